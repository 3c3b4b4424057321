import type { FLOOR_TOPIC, FloorMessage, FloorState } from '../../protocol/index.ts';
import { initialCallControls, reduceCallControls } from './call-state.ts';
import type { CallControlsEvent, CallControlsState } from './call-state.ts';
import type { PresenceView } from './presence-state.ts';
import { emptyTranscript, reduceTranscript } from './transcript.ts';
import type { Speaker, SpeakerSource, TranscriptEvent, TranscriptState } from './transcript.ts';

/**
 * The group call page's view state as a pure reducer: room events and the job's floor messages in,
 * who is present, who is audible, who holds the floor and the named transcript out.
 *
 * A character is *speaking* while it is audible: LiveKit lists it among the active speakers, or
 * the page measured its track above `speakingLevel` within the last `holdMs` (the server's active
 * speaker list lags by a few hundred milliseconds and can miss short replies). Holding the floor
 * (the job's `speaker`) is shown separately: a character holds it while it is still thinking.
 */

/** Participant identity of a character in a group room (agent/group-job.ts `castIdentity`). */
export const castIdentity = (characterId: string): string => `character-${characterId}`;

export interface CastMember {
  id: string;
  name: string;
  avatarUrl: string;
}

export interface Person {
  identity: string;
  /** Display name, or the identity when the person gave none. */
  name: string;
  isLocal: boolean;
}

export interface SpeakingOptions {
  /** RMS above which a character's track counts as audible. @defaultValue 0.01 */
  speakingLevel: number;
  /** How long a character stays lit after its level last crossed `speakingLevel`. @defaultValue 400 */
  holdMs: number;
}

export const defaultSpeakingOptions: SpeakingOptions = { speakingLevel: 0.01, holdMs: 400 };

export interface GroupState {
  /** The cast in the session's order. */
  cast: CastMember[];
  /** Characters whose own participant is in the room, by character id. */
  present: Record<string, true>;
  /** People in the room, the local one included, in order of arrival. */
  people: Person[];
  /** Identities LiveKit lists as active speakers. */
  activeSpeakers: string[];
  /** Per identity: until when its measured level keeps it lit (ms, page clock). */
  audibleUntil: Record<string, number>;
  /** Latest floor message applied; older or repeated ones are dropped by `seq`. */
  floor: { seq: number; state: FloorState; speaker: string | null; next: string | null } | null;
  transcript: TranscriptState;
}

export type GroupEvent =
  | { type: 'participantJoined'; identity: string; name: string; characterId?: string; isLocal: boolean }
  | { type: 'participantLeft'; identity: string }
  | { type: 'activeSpeakers'; identities: string[] }
  | { type: 'level'; identity: string; level: number; at: number }
  | { type: 'floor'; message: FloorMessage }
  | { type: 'transcript'; event: TranscriptEvent }
  | { type: 'reset' };

export function initialGroupState(cast: CastMember[]): GroupState {
  return {
    cast,
    present: {},
    people: [],
    activeSpeakers: [],
    audibleUntil: {},
    floor: null,
    transcript: emptyTranscript,
  };
}

/** The character id behind a participant identity, if it is one of the cast. */
export function castIdOf(state: GroupState, identity: string): string | undefined {
  return state.cast.find((c) => castIdentity(c.id) === identity)?.id;
}

export function reduceGroup(
  state: GroupState,
  event: GroupEvent,
  opts: SpeakingOptions = defaultSpeakingOptions,
): GroupState {
  switch (event.type) {
    case 'reset':
      return initialGroupState(state.cast);

    case 'participantJoined': {
      const characterId = event.characterId ?? castIdOf(state, event.identity);
      if (characterId !== undefined && state.cast.some((c) => c.id === characterId))
        return { ...state, present: { ...state.present, [characterId]: true } };
      // Other agents (the job itself) are not people.
      if (characterId !== undefined) return state;
      const person: Person = {
        identity: event.identity,
        name: event.name || event.identity,
        isLocal: event.isLocal,
      };
      const i = state.people.findIndex((p) => p.identity === event.identity);
      if (i === -1) return { ...state, people: [...state.people, person] };
      const people = state.people.slice();
      people[i] = person;
      return { ...state, people };
    }

    case 'participantLeft': {
      const characterId = castIdOf(state, event.identity);
      const { [event.identity]: _gone, ...audibleUntil } = state.audibleUntil;
      const activeSpeakers = state.activeSpeakers.filter((s) => s !== event.identity);
      if (characterId !== undefined) {
        const { [characterId]: _left, ...present } = state.present;
        return { ...state, present, audibleUntil, activeSpeakers };
      }
      return {
        ...state,
        people: state.people.filter((p) => p.identity !== event.identity),
        audibleUntil,
        activeSpeakers,
      };
    }

    case 'activeSpeakers':
      return { ...state, activeSpeakers: [...event.identities] };

    case 'level': {
      if (event.level < opts.speakingLevel) return state;
      return { ...state, audibleUntil: { ...state.audibleUntil, [event.identity]: event.at + opts.holdMs } };
    }

    case 'floor': {
      const m = event.message;
      if (state.floor !== null && m.seq <= state.floor.seq) return state;
      return { ...state, floor: { seq: m.seq, state: m.state, speaker: m.speaker, next: m.next } };
    }

    case 'transcript':
      return { ...state, transcript: reduceTranscript(state.transcript, event.event) };
  }
}

/** The invite link the owner asked for. */
export interface InviteState {
  /** The link made for this call; shown once made. */
  url: string | null;
  note: string;
  /** Whether the link reached the clipboard; null until tried. */
  copied: boolean | null;
  /** A link is being made: its button waits. */
  pending: boolean;
}

/**
 * The whole group call page: the room (`reduceGroup`), the controls both call pages share
 * (call-state.ts), the session once the API made it, the invite link, and what the presence watch
 * says of the characters not in the room.
 */
export interface GroupCallState extends CallControlsState {
  room: GroupState;
  sessionId: string | null;
  invite: InviteState;
  arrival: PresenceView;
}

export type GroupCallEvent =
  | CallControlsEvent
  | { type: 'room'; event: GroupEvent }
  | { type: 'session'; sessionId: string | null }
  | { type: 'arrival'; view: PresenceView }
  | { type: 'inviteRequested' }
  | { type: 'inviteCreated'; url: string }
  /** `until`: when the link stops working, as the page words the time. */
  | { type: 'inviteCopied'; copied: boolean; until: string }
  | { type: 'inviteSettled' };

export function initialGroupCall(cast: CastMember[], arrival: PresenceView): GroupCallState {
  return {
    ...initialCallControls,
    room: initialGroupState(cast),
    sessionId: null,
    invite: { url: null, note: '', copied: null, pending: false },
    arrival,
  };
}

export function reduceGroupCall(
  s: GroupCallState,
  event: GroupCallEvent,
  opts: SpeakingOptions = defaultSpeakingOptions,
): GroupCallState {
  switch (event.type) {
    case 'started':
      return {
        ...reduceCallControls(s, event),
        room: reduceGroup(s.room, { type: 'reset' }, opts),
        sessionId: null,
        invite: { ...s.invite, url: null, note: '' },
      };
    case 'room':
      return { ...s, room: reduceGroup(s.room, event.event, opts) };
    case 'session':
      return { ...s, sessionId: event.sessionId };
    case 'arrival':
      return { ...s, arrival: event.view };
    case 'inviteRequested':
      return { ...s, invite: { ...s.invite, pending: true } };
    case 'inviteCreated':
      return { ...s, invite: { ...s.invite, url: event.url } };
    case 'inviteCopied':
      return {
        ...s,
        invite: { ...s.invite, copied: event.copied, note: inviteNote(event.copied, event.until) },
      };
    case 'inviteSettled':
      return { ...s, invite: { ...s.invite, pending: false } };
    default:
      return reduceCallControls(s, event);
  }
}

export function inviteNote(copied: boolean, until: string): string {
  return copied
    ? `Invite link copied. It works until ${until}.`
    : `Copy the link above to invite someone. It works until ${until}.`;
}

/** Characters who joined (`true`) or left (`false`) between two room states, for the presence watch. */
export function arrivals(before: GroupState, after: GroupState): Array<[string, boolean]> {
  if (before.present === after.present) return [];
  return after.cast.flatMap((c): Array<[string, boolean]> => {
    const was = before.present[c.id] === true;
    const is = after.present[c.id] === true;
    return was === is ? [] : [[c.id, is]];
  });
}

/** What a cast member's avatar says; `absent`: the presence banner's word for one not in the room. */
export function castStatus(c: CastView, absent: string | null): string {
  if (!c.present) return absent ?? 'Not here yet';
  if (c.speaking) return 'Speaking';
  if (c.holdsFloor) return 'Thinking…';
  if (c.next) return 'Up next';
  return 'Listening';
}

/** Whether a participant is audible at `now`. */
export function isSpeaking(state: GroupState, identity: string, now: number): boolean {
  return state.activeSpeakers.includes(identity) || (state.audibleUntil[identity] ?? 0) > now;
}

export interface CastView extends CastMember {
  present: boolean;
  speaking: boolean;
  /** The job gave this character the floor (thinking or speaking). */
  holdsFloor: boolean;
  /** The job prepares this character to speak next. */
  next: boolean;
}

export function castView(state: GroupState, now: number): CastView[] {
  const floor = state.floor;
  return state.cast.map((c) => ({
    ...c,
    present: state.present[c.id] === true,
    speaking: isSpeaking(state, castIdentity(c.id), now),
    holdsFloor: floor?.state === 'character' && floor.speaker === c.id,
    next: floor?.next === c.id,
  }));
}

export interface PersonView extends Person {
  speaking: boolean;
}

export function peopleView(state: GroupState, now: number): PersonView[] {
  return state.people.map((p) => ({ ...p, speaking: isSpeaking(state, p.identity, now) }));
}

/** What a transcription stream's sender and track say about who spoke. */
export type GroupSpeakerContext = SpeakerSource;

/**
 * Names the speaker of a transcribed segment: the local person is "You", a character by its
 * name, another person by their display name (their identity until they are known).
 */
export function resolveGroupSpeaker(state: GroupState, ctx: GroupSpeakerContext): Speaker {
  const isLocal =
    ctx.senderIdentity === ctx.localIdentity ||
    (ctx.transcribedTrackId !== undefined && ctx.localTrackSids.has(ctx.transcribedTrackId));
  if (isLocal) return { role: 'user', identity: ctx.localIdentity, name: 'You' };
  const characterId = castIdOf(state, ctx.senderIdentity);
  const character = state.cast.find((c) => c.id === characterId);
  if (character !== undefined)
    return { role: 'assistant', identity: ctx.senderIdentity, name: character.name };
  const person = state.people.find((p) => p.identity === ctx.senderIdentity);
  return { role: 'user', identity: ctx.senderIdentity, name: person?.name ?? ctx.senderIdentity };
}

/** Data topic of the job's floor messages; restated so the page does not bundle zod. */
export const floorTopic: typeof FLOOR_TOPIC = 'troupe.floor';

const floorStates: ReadonlySet<string> = new Set<FloorState>(['open', 'human', 'character']);
const isIdOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/**
 * A floor message from a data packet's bytes, or null for anything else on the topic (speaking
 * messages, malformed JSON). Checks the fields the page reads; the job validates what it sends.
 */
export function parseFloorMessage(payload: Uint8Array): FloorMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const o = m as Record<string, unknown>;
  if (o.type !== 'floor' || typeof o.seq !== 'number' || !Number.isInteger(o.seq) || o.seq < 0) return null;
  if (typeof o.state !== 'string' || !floorStates.has(o.state)) return null;
  if (!isIdOrNull(o.speaker) || !isIdOrNull(o.next) || !isIdOrNull(o.replyTo ?? null)) return null;
  if (!Array.isArray(o.humans) || !o.humans.every((x) => typeof x === 'string')) return null;
  return m as FloorMessage;
}
