import {
  CreateBroadcastRequest,
  DEFAULT_TWITCH_INGEST,
  MAX_BROADCAST_DESTINATIONS,
  UpdateBroadcastRequest,
} from '../../protocol/broadcasts.ts';
import type { Broadcast, BroadcastOutput } from '../../protocol/broadcasts.ts';
import type { CreateBroadcastBody } from './broadcast-api.ts';

/**
 * The broadcast control page's form as pure functions: the values the inputs hold, built from a
 * broadcast, and the create or update body they make, checked against the protocol's schemas.
 *
 * Secrets (stream keys, the chat token) are write-only: the form starts every secret input empty
 * whatever the broadcast holds (the API only says whether one is set), and an empty input means
 * "keep the stored one" — the body then leaves the secret out.
 */

export interface DestinationValues {
  /** The stored destination's id; absent for one added in this form. */
  id?: string;
  name: string;
  url: string;
  /** A new key typed in; '' keeps the stored one. */
  streamKey: string;
  /** The stored destination has a key (shown as "key set", never the key). */
  keySet: boolean;
}

export interface BroadcastFormValues {
  title: string;
  characterIds: string[];
  channel: string;
  ingestUrl: string;
  /** A new Twitch stream key typed in; '' keeps the stored one. */
  streamKey: string;
  streamKeySet: boolean;
  /** A new chat OAuth token typed in; '' keeps the stored one. */
  chatToken: string;
  chatTokenSet: boolean;
  destinations: DestinationValues[];
  autonomousEnabled: boolean;
  /** Seconds of silence before autonomous talk (the API takes milliseconds). */
  idleAfterS: number;
  /** Seconds between autonomous turns. */
  cadenceS: number;
  /** One agenda item a line. */
  agenda: string;
  output: BroadcastOutput;
}

export const broadcastCastLimits = { min: 2, max: 6 } as const;
export const maxDestinations = MAX_BROADCAST_DESTINATIONS;

export function emptyBroadcastForm(): BroadcastFormValues {
  return {
    title: '',
    characterIds: [],
    channel: '',
    ingestUrl: DEFAULT_TWITCH_INGEST,
    streamKey: '',
    streamKeySet: false,
    chatToken: '',
    chatTokenSet: false,
    destinations: [],
    autonomousEnabled: false,
    idleAfterS: 20,
    cadenceS: 60,
    agenda: '',
    output: 'auto',
  };
}

/** The form for a stored broadcast: its settings, and every secret input empty. */
export function formFromBroadcast(b: Broadcast): BroadcastFormValues {
  return {
    title: b.title,
    characterIds: [...b.characterIds],
    channel: b.twitch.channel,
    ingestUrl: b.twitch.ingestUrl,
    streamKey: '',
    streamKeySet: b.twitch.streamKeySet,
    chatToken: '',
    chatTokenSet: b.twitch.chatOAuthTokenSet,
    destinations: b.destinations.map((d) => ({
      id: d.id,
      name: d.name,
      url: d.url,
      streamKey: '',
      keySet: d.streamKeySet,
    })),
    autonomousEnabled: b.autonomous.enabled,
    idleAfterS: b.autonomous.idleAfterMs / 1000,
    cadenceS: b.autonomous.cadenceMs / 1000,
    agenda: b.autonomous.agenda.join('\n'),
    output: b.output,
  };
}

const agendaLines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

const autonomousOf = (v: BroadcastFormValues) => ({
  enabled: v.autonomousEnabled,
  idleAfterMs: Math.round(v.idleAfterS * 1000),
  cadenceMs: Math.round(v.cadenceS * 1000),
  agenda: agendaLines(v.agenda),
});

/** A typed secret, or nothing: an empty (or blank) input never sends a key. */
const secret = (value: string): string | undefined => (value.trim() === '' ? undefined : value.trim());

export type FormResult<T> = { ok: true; body: T } | { ok: false; problems: string[] };

const fieldNames: Record<string, string> = {
  title: 'Title',
  characterIds: 'Characters',
  'twitch.channel': 'Twitch channel',
  'twitch.streamKey': 'Stream key',
  'twitch.ingestUrl': 'Ingest URL',
  'twitch.chatOAuthToken': 'Chat token',
  'autonomous.idleAfterMs': 'Idle time',
  'autonomous.cadenceMs': 'Cadence',
  'autonomous.agenda': 'Agenda',
  output: 'Output',
};

/** One line per problem, naming the field as the form labels it. Never quotes the value (a key). */
type Issue = { path: PropertyKey[]; message: string };

function problemsOf(issues: readonly Issue[]): string[] {
  return issues.map((i) => {
    const path = i.path.map(String);
    const key = path.join('.');
    if (path[0] === 'destinations' && path[1] !== undefined)
      return `Destination ${Number(path[1]) + 1} ${path[2] ?? ''}: ${i.message}`.replace(' :', ':');
    const name = fieldNames[key] ?? fieldNames[path.slice(0, 2).join('.')] ?? (key || 'Form');
    return `${name}: ${i.message}`;
  });
}

function castProblem(ids: readonly string[]): string | null {
  const n = ids.length;
  if (n < broadcastCastLimits.min)
    return `Choose at least ${broadcastCastLimits.min} characters (${n} chosen).`;
  if (n > broadcastCastLimits.max) return `Choose at most ${broadcastCastLimits.max} characters.`;
  return null;
}

/**
 * What both requests send: every setting the form shows, and only the secrets typed in.
 * `keepIds`: destinations keep their stored `id`, so their stored keys stay (PATCH).
 */
function settingsOf(v: BroadcastFormValues, keepIds: boolean) {
  const streamKey = secret(v.streamKey);
  const chatOAuthToken = secret(v.chatToken);
  return {
    title: v.title.trim(),
    characterIds: [...v.characterIds],
    twitch: {
      channel: v.channel.trim(),
      ingestUrl: v.ingestUrl.trim() || DEFAULT_TWITCH_INGEST,
      ...(streamKey === undefined ? {} : { streamKey }),
      ...(chatOAuthToken === undefined ? {} : { chatOAuthToken }),
    },
    destinations: v.destinations.map((d) => {
      const key = secret(d.streamKey);
      return {
        ...(keepIds && d.id !== undefined ? { id: d.id } : {}),
        name: d.name.trim(),
        url: d.url.trim(),
        ...(key === undefined ? {} : { streamKey: key }),
      };
    }),
    autonomous: autonomousOf(v),
    output: v.output,
  };
}

/** The body when its schema accepts it, else one line per problem. */
function checked<T>(
  body: T,
  schema: { safeParse(b: unknown): { success: true } | { success: false; error: { issues: Issue[] } } },
): FormResult<T> {
  const result = schema.safeParse(body);
  return result.success ? { ok: true, body } : { ok: false, problems: problemsOf(result.error.issues) };
}

/** `POST /api/broadcasts` for the form, or what is wrong with it. */
export function createBodyFrom(v: BroadcastFormValues): FormResult<CreateBroadcastBody> {
  const cast = castProblem(v.characterIds);
  if (cast !== null) return { ok: false, problems: [cast] };
  const body: CreateBroadcastBody = settingsOf(v, false);
  return checked(body, CreateBroadcastRequest);
}

/**
 * `PATCH /api/broadcasts/:id` for the form: every setting it shows, and only the secrets typed in
 * (stored keys of kept destinations stay by their `id`).
 */
export function updateBodyFrom(v: BroadcastFormValues): FormResult<UpdateBroadcastRequest> {
  const cast = castProblem(v.characterIds);
  if (cast !== null) return { ok: false, problems: [cast] };
  const body: UpdateBroadcastRequest = settingsOf(v, true);
  return checked(body, UpdateBroadcastRequest);
}

/** Adds or removes one character; a pick past the maximum is ignored. */
export function toggleCastMember(ids: readonly string[], id: string, on: boolean): string[] {
  if (!on) return ids.filter((x) => x !== id);
  if (ids.includes(id) || ids.length >= broadcastCastLimits.max) return [...ids];
  return [...ids, id];
}

/** What a write-only secret input shows: never the secret, only whether one is stored. */
export interface SecretFieldView {
  /** The input is shown (nothing stored yet, or the person chose to replace it). */
  showInput: boolean;
  /** Status text beside it. */
  status: string;
  /** Offer "Replace key". */
  canReplace: boolean;
}

export function secretFieldView(isSet: boolean, replacing: boolean): SecretFieldView {
  if (!isSet) return { showInput: true, status: 'No key set', canReplace: false };
  if (replacing)
    return { showInput: true, status: 'Key set — type a new one to replace it', canReplace: false };
  return { showInput: false, status: 'Key set', canReplace: true };
}
