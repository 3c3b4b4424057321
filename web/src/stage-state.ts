import type { FloorMessage, StageMessage, StageTransition } from '../../protocol/index.ts';
import { emptyTranscript, reduceTranscript, visibleLines } from './transcript.ts';
import type { Speaker, TranscriptEvent, TranscriptState } from './transcript.ts';

/**
 * The stage page's view as a pure reducer: room events, the job's floor messages and its stage
 * messages (protocol/broadcast-stage.ts) in; cast, spotlight, who speaks, gestures, captions and
 * recent chat out. The stage page has no account, so the cast is learned from the room itself:
 * each character's participant (`troupe.character` attribute, its name) and the job's `stage`
 * snapshot.
 */

export interface StageCastMember {
  id: string;
  name: string;
  /** Set once the character's public record has been read; the page draws initials until then. */
  avatarUrl?: string;
}

export interface StageCaption {
  /** Character id or human identity. */
  speaker: string;
  name: string;
  text: string;
  final: boolean;
}

export interface StageChatLine {
  /** The message's seq: a stable key for rendering. */
  key: number;
  user: string;
  text: string;
  color?: string;
  /** Twitch's message id when the job sends one (needed to delete it). */
  messageId?: string;
}

export interface StageState {
  /** In order of first appearance. */
  cast: StageCastMember[];
  /** Characters whose own participant is in the room. */
  present: Record<string, true>;
  /** Participant identity → character id, for the characters' participants. */
  identities: Record<string, string>;
  /** Identity → display name of the people in the room (for naming their captions). */
  people: Record<string, string>;
  activeSpeakers: string[];
  /** Speakers the job's `speaking` messages say are audible now (character id or identity). */
  audible: Record<string, true>;
  /** The character holding the floor (the job's floor message). */
  floorSpeaker: string | null;
  floorSeq: number;
  /** Highest stage `seq` applied; older or repeated stage messages are dropped. */
  stageSeq: number;
  active: string | null;
  /** The last switch, so the page can animate it; null after a snapshot or before any switch. */
  transition: { kind: StageTransition; durationMs: number; from: string | null; seq: number } | null;
  expressions: Record<string, string>;
  /** Last motion of each character with its seq (the page shows it briefly). */
  motions: Record<string, { name: string; seq: number }>;
  /** Captions from the job's `caption` messages, newest last; they take over from transcriptions. */
  captions: StageCaption[];
  transcript: TranscriptState;
  chat: StageChatLine[];
}

export type StageEvent =
  | { type: 'participantJoined'; identity: string; name: string; characterId?: string; isAgent: boolean }
  | { type: 'participantLeft'; identity: string }
  | { type: 'activeSpeakers'; identities: string[] }
  | { type: 'floor'; message: FloorMessage }
  | { type: 'stage'; message: StageMessage; messageId?: string }
  | { type: 'transcript'; event: TranscriptEvent }
  | { type: 'avatar'; characterId: string; avatarUrl: string };

/** How much the stage keeps: it shows a few lines, never a history. */
export const stageLimits = { chat: 8, captions: 2, transcriptLines: 20 } as const;

export function initialStageState(): StageState {
  return {
    cast: [],
    present: {},
    identities: {},
    people: {},
    activeSpeakers: [],
    audible: {},
    floorSpeaker: null,
    floorSeq: -1,
    stageSeq: -1,
    active: null,
    transition: null,
    expressions: {},
    motions: {},
    captions: [],
    transcript: emptyTranscript,
    chat: [],
  };
}

function withCast(state: StageState, id: string, name: string): StageState {
  const i = state.cast.findIndex((c) => c.id === id);
  if (i === -1) return { ...state, cast: [...state.cast, { id, name }] };
  const current = state.cast[i] as StageCastMember;
  if (current.name === name || name === '') return state;
  const cast = state.cast.slice();
  cast[i] = { ...current, name };
  return { ...state, cast };
}

function applyStage(state: StageState, m: StageMessage, messageId: string | undefined): StageState {
  if (m.seq <= state.stageSeq) return state;
  const s: StageState = { ...state, stageSeq: m.seq };
  switch (m.type) {
    case 'stage': {
      let next: StageState = { ...s, active: m.active, expressions: { ...m.expressions }, transition: null };
      for (const c of m.cast) next = withCast(next, c.id, c.name);
      return next;
    }
    case 'switch':
      return {
        ...s,
        active: m.characterId,
        transition: { kind: m.transition, durationMs: m.durationMs, from: m.from, seq: m.seq },
      };
    case 'expression':
      return { ...s, expressions: { ...s.expressions, [m.characterId]: m.name } };
    case 'motion':
      return { ...s, motions: { ...s.motions, [m.characterId]: { name: m.name, seq: m.seq } } };
    case 'caption': {
      const caption: StageCaption = { speaker: m.speaker, name: m.name, text: m.text, final: m.final };
      const last = s.captions.at(-1);
      // An interim caption is replaced by the next caption of the same speaker.
      const kept =
        last !== undefined && !last.final && last.speaker === m.speaker
          ? s.captions.slice(0, -1)
          : s.captions;
      return { ...s, captions: [...kept, caption].slice(-stageLimits.captions) };
    }
    case 'chat': {
      const line: StageChatLine = {
        key: m.seq,
        user: m.user,
        text: m.text,
        ...(m.color === undefined ? {} : { color: m.color }),
        ...(messageId === undefined ? {} : { messageId }),
      };
      return { ...s, chat: [...s.chat, line].slice(-stageLimits.chat) };
    }
    case 'speaking': {
      if (m.speaking) return { ...s, audible: { ...s.audible, [m.speaker]: true } };
      const { [m.speaker]: _quiet, ...audible } = s.audible;
      return { ...s, audible };
    }
    case 'notice':
      return s;
  }
}

export function reduceStage(state: StageState, event: StageEvent): StageState {
  switch (event.type) {
    case 'participantJoined': {
      if (event.characterId !== undefined) {
        const next = withCast(state, event.characterId, event.name || event.characterId);
        return {
          ...next,
          present: { ...next.present, [event.characterId]: true },
          identities: { ...next.identities, [event.identity]: event.characterId },
        };
      }
      // The job itself (an agent without a character) is not on stage.
      if (event.isAgent) return state;
      return { ...state, people: { ...state.people, [event.identity]: event.name || event.identity } };
    }
    case 'participantLeft': {
      const characterId = state.identities[event.identity];
      const activeSpeakers = state.activeSpeakers.filter((i) => i !== event.identity);
      if (characterId === undefined) {
        const { [event.identity]: _gone, ...people } = state.people;
        return { ...state, people, activeSpeakers };
      }
      const { [characterId]: _left, ...present } = state.present;
      return { ...state, present, activeSpeakers };
    }
    case 'activeSpeakers':
      return { ...state, activeSpeakers: [...event.identities] };
    case 'floor': {
      const m = event.message;
      if (m.seq <= state.floorSeq) return state;
      return { ...state, floorSeq: m.seq, floorSpeaker: m.state === 'character' ? m.speaker : null };
    }
    case 'stage':
      return applyStage(state, event.message, event.messageId);
    case 'transcript': {
      const transcript = reduceTranscript(state.transcript, event.event);
      const lines = transcript.lines;
      return {
        ...state,
        transcript:
          lines.length > stageLimits.transcriptLines
            ? { ...transcript, lines: lines.slice(-stageLimits.transcriptLines) }
            : transcript,
      };
    }
    case 'avatar': {
      const i = state.cast.findIndex((c) => c.id === event.characterId);
      if (i === -1) return state;
      const cast = state.cast.slice();
      cast[i] = { ...(cast[i] as StageCastMember), avatarUrl: event.avatarUrl };
      return { ...state, cast };
    }
  }
}

/** Names a transcription's speaker: a character by its cast name, a person by their name. */
export function stageSpeakerOf(state: StageState, senderIdentity: string): Speaker {
  const characterId = state.identities[senderIdentity];
  if (characterId !== undefined) {
    const name = state.cast.find((c) => c.id === characterId)?.name ?? characterId;
    return { role: 'assistant', identity: senderIdentity, name };
  }
  return { role: 'user', identity: senderIdentity, name: state.people[senderIdentity] ?? senderIdentity };
}

export interface StageAvatarView extends StageCastMember {
  present: boolean;
  /** Its participant is an active speaker, the job says it is audible, or it holds the floor. */
  speaking: boolean;
  active: boolean;
  expression: string | null;
  motion: string | null;
}

export function stageView(state: StageState): StageAvatarView[] {
  return state.cast.map((c) => {
    const identity = Object.keys(state.identities).find((i) => state.identities[i] === c.id);
    return {
      ...c,
      present: state.present[c.id] === true,
      speaking:
        (identity !== undefined && state.activeSpeakers.includes(identity)) ||
        state.audible[c.id] === true ||
        state.floorSpeaker === c.id,
      active: state.active === c.id,
      expression: state.expressions[c.id] ?? null,
      motion: state.motions[c.id]?.name ?? null,
    };
  });
}

/**
 * The captions to show: the job's caption messages when it sends them (they name speakers and
 * mark what was heard), the room's transcriptions otherwise; at most `stageLimits.captions`.
 */
export function captionView(state: StageState): StageCaption[] {
  if (state.captions.length > 0) return state.captions.filter((c) => c.text.trim() !== '');
  return visibleLines(state.transcript)
    .slice(-stageLimits.captions)
    .map((l) => ({
      speaker: state.identities[l.speakerIdentity] ?? l.speakerIdentity,
      name: l.speakerName,
      text: l.text,
      final: l.final,
    }));
}
