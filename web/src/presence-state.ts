import type { AgentPresence, Broadcast, SessionStatus } from '../../protocol/index.ts';

/**
 * Whether a call's characters are in its room, as a pure reducer: room events, the API's answers
 * and the page's clock in; a banner ("Waiting for June… 12 s", "June left; bringing them back…",
 * the reason and Retry) and a line per character out.
 *
 * The room is the source of truth for "joined": a character counts as here from the moment the page
 * sees its participant, whatever the API said last. The API's `agent` presence says the rest: still
 * waiting (it dispatches again by itself), failed (with a reason a person can read), or lost
 * mid-call and being brought back. Elapsed times are on the page's clock, from when the page began
 * waiting: the server's `waitingSince` is on another machine's clock.
 */

export interface PresenceMember {
  id: string;
  name: string;
}

/** What the page reads of `GET /api/sessions/:id`, and of `POST /api/sessions/:id/retry`. */
export interface SessionPresence {
  status: SessionStatus;
  /** Absent from an API that does not confirm dispatches. */
  agent?: AgentPresence | undefined;
}

export interface PresenceState {
  /** The characters expected in the room, in the session's order. */
  cast: PresenceMember[];
  /** In a call: from `started` until `stopped`. */
  active: boolean;
  /** Characters whose participant is in the room now, by id. */
  inRoom: Record<string, true>;
  /** Characters seen in the room during this call: one of them missing has left. */
  seen: Record<string, true>;
  /** The API's latest answer; null before the first and after the room changed under it. */
  api: SessionPresence | null;
  /** Polls sent before this instant describe an older room (before a leave or a Retry): dropped. */
  staleBefore: number;
  /** Page clock: when the current wait began; null while everyone is in. */
  waitingSince: number | null;
  /** Page clock of the latest event. */
  now: number;
  /** A Retry is on its way to the API. */
  retrying: boolean;
  /** Why the last Retry did not re-arm the session; `final` when no retry can help. */
  retryError: { message: string; final: boolean } | null;
}

export type RetryResult =
  { ok: true; session: SessionPresence } | { ok: false; message: string; final: boolean };

export type PresenceEvent =
  /** The page is in the room (or, for a broadcast, a run began). */
  | { type: 'started'; at: number }
  /** The page left the room: nobody is in it as far as the page knows. */
  | { type: 'stopped'; at: number }
  | { type: 'joined'; id: string; at: number }
  | { type: 'left'; id: string; at: number }
  /** An answer of `GET /api/sessions/:id`, with when its request was sent. */
  | { type: 'polled'; session: SessionPresence; sentAt: number; at: number }
  | { type: 'tick'; at: number }
  | { type: 'retryClicked'; at: number }
  | { type: 'retryAnswered'; result: RetryResult; at: number };

export function initialPresenceState(cast: PresenceMember[]): PresenceState {
  return {
    cast,
    active: false,
    inRoom: {},
    seen: {},
    api: null,
    staleBefore: 0,
    waitingSince: null,
    now: 0,
    retrying: false,
    retryError: null,
  };
}

const everyoneIn = (cast: PresenceMember[], inRoom: Record<string, true>): boolean =>
  cast.every((c) => inRoom[c.id] === true);

const isFailed = (api: SessionPresence | null): boolean =>
  api !== null && (api.status === 'failed' || api.agent?.state === 'failed');

const isOver = (api: SessionPresence | null): boolean =>
  api !== null && (api.status === 'ended' || api.agent?.state === 'none');

export function reducePresence(s: PresenceState, e: PresenceEvent): PresenceState {
  switch (e.type) {
    case 'started':
      return {
        ...s,
        active: true,
        api: null,
        staleBefore: e.at,
        waitingSince: everyoneIn(s.cast, s.inRoom) ? null : e.at,
        now: e.at,
        retrying: false,
        retryError: null,
      };

    case 'stopped':
      // The API's last word stays: a call that failed and closed still says why.
      if (!s.active && Object.keys(s.inRoom).length === 0) return s;
      return { ...s, active: false, inRoom: {}, seen: {}, retrying: false, now: e.at };

    case 'joined': {
      if (s.inRoom[e.id] === true || !s.cast.some((c) => c.id === e.id)) return s;
      const inRoom: Record<string, true> = { ...s.inRoom, [e.id]: true };
      const all = everyoneIn(s.cast, inRoom);
      return {
        ...s,
        inRoom,
        seen: { ...s.seen, [e.id]: true },
        waitingSince: all ? null : s.waitingSince,
        retryError: all ? null : s.retryError,
        now: e.at,
      };
    }

    case 'left': {
      if (s.inRoom[e.id] !== true) return s;
      const { [e.id]: _gone, ...inRoom } = s.inRoom;
      return { ...s, inRoom, api: null, staleBefore: e.at, waitingSince: s.waitingSince ?? e.at, now: e.at };
    }

    case 'polled':
      if (!s.active || s.retrying || e.sentAt < s.staleBefore) return s;
      return { ...s, api: e.session, now: e.at };

    case 'tick':
      return e.at === s.now ? s : { ...s, now: e.at };

    case 'retryClicked':
      if (!s.active || s.retrying) return s;
      return { ...s, retrying: true, retryError: null, staleBefore: e.at, now: e.at };

    case 'retryAnswered':
      if (!s.retrying) return s;
      if (!e.result.ok) {
        const { message, final } = e.result;
        return { ...s, retrying: false, retryError: { message, final }, now: e.at };
      }
      return {
        ...s,
        retrying: false,
        api: e.result.session,
        staleBefore: e.at,
        waitingSince: everyoneIn(s.cast, s.inRoom) ? null : e.at,
        now: e.at,
      };
  }
}

/** Whether the API should be asked again: someone is missing and its answer can still change. */
export function wantsPoll(s: PresenceState): boolean {
  if (!s.active || s.retrying || s.retryError?.final === true) return false;
  return !everyoneIn(s.cast, s.inRoom) && !isFailed(s.api) && !isOver(s.api);
}

// ── view ────────────────────────────────────────────────────────────────────

export type PresencePhase = 'hidden' | 'waiting' | 'left' | 'returning' | 'retrying' | 'failed' | 'ended';

export type MemberPresence = 'here' | 'waiting' | 'left' | 'returning' | 'failed';

export interface MemberView extends PresenceMember {
  presence: MemberPresence;
  /** A short line under the character's portrait; null when it is here. */
  label: string | null;
}

export interface PresenceView {
  phase: PresencePhase;
  /** The banner's sentence; empty when hidden. */
  message: string;
  /** The ticking wait ("12 s") shown after the message; null when there is no wait to count. */
  elapsed: string | null;
  elapsedMs: number;
  /** A second line: why the character left, the dispatch attempt, what Retry got back. */
  detail: string | null;
  /** Retry is offered: the session failed while the page is in its room. */
  canRetry: boolean;
  members: MemberView[];
}

/** "June", "June and Milo", "June, Milo and Ada". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** Seconds of waiting as the banner counts them. */
export function formatWait(ms: number): string {
  return `${Math.floor(Math.max(0, ms) / 1000)} s`;
}

const sentence = (text: string): string => {
  const t = text.trim();
  return t === '' ? t : `${t[0]?.toUpperCase()}${t.slice(1)}`;
};

const memberLabels: Record<MemberPresence, (elapsed: string) => string | null> = {
  here: () => null,
  waiting: (elapsed) => `Waiting… ${elapsed}`,
  left: () => 'Left',
  returning: () => 'Left; coming back…',
  failed: () => 'Did not arrive',
};

function members(s: PresenceState, of: (c: PresenceMember) => MemberPresence, elapsed: string): MemberView[] {
  return s.cast.map((c) => {
    const presence = s.inRoom[c.id] === true ? 'here' : of(c);
    return { ...c, presence, label: memberLabels[presence](elapsed) };
  });
}

export function presenceView(s: PresenceState): PresenceView {
  const missing = s.cast.filter((c) => s.inRoom[c.id] !== true);
  const elapsedMs = s.waitingSince === null ? 0 : Math.max(0, s.now - s.waitingSince);
  const elapsed = formatWait(elapsedMs);
  const names = listNames(missing.map((c) => c.name));
  const reason = s.api?.agent?.reason ?? null;
  const base = { elapsed: null, elapsedMs, detail: null, canRetry: false };
  const failed = (canRetry: boolean): PresenceView => ({
    ...base,
    phase: 'failed',
    message: sentence(reason ?? `${names} did not arrive.`),
    detail: s.retryError?.message ?? null,
    canRetry,
    members: members(s, () => 'failed', elapsed),
  });
  const hidden: PresenceView = {
    ...base,
    phase: 'hidden',
    message: '',
    members: members(s, () => 'waiting', elapsed),
  };

  if (!s.active) return isFailed(s.api) ? failed(false) : hidden;
  if (missing.length === 0) return hidden;
  if (s.retryError?.final === true)
    return {
      ...base,
      phase: 'ended',
      message: s.retryError.message,
      members: members(s, () => 'failed', elapsed),
    };
  if (s.retrying)
    return {
      ...base,
      phase: 'retrying',
      message: sentence(`Asking ${names} to come again…`),
      members: members(s, () => 'waiting', elapsed),
    };
  if (isFailed(s.api)) return failed(true);
  if (isOver(s.api))
    return {
      ...base,
      phase: 'ended',
      message: 'The call has ended.',
      members: members(s, () => 'failed', elapsed),
    };

  const lost = missing.filter((c) => s.seen[c.id] === true);
  if (lost.length > 0) {
    // Until the API says it is bringing them back, a leave may as well be the call ending.
    const returning = s.api?.agent?.state === 'waiting';
    const who = listNames(lost.map((c) => c.name));
    return {
      ...base,
      phase: returning ? 'returning' : 'left',
      message: returning ? `${who} left; bringing them back…` : `${who} left.`,
      elapsed,
      detail: returning && reason !== null ? sentence(reason) : null,
      members: members(
        s,
        (c) => (s.seen[c.id] !== true ? 'waiting' : returning ? 'returning' : 'left'),
        elapsed,
      ),
    };
  }
  const attempts = s.api?.agent?.attempts ?? 0;
  return {
    ...base,
    phase: 'waiting',
    message: sentence(`Waiting for ${names}…`),
    elapsed,
    detail: attempts > 1 ? `Still trying (attempt ${attempts}).` : null,
    members: members(s, () => 'waiting', elapsed),
  };
}

/** Whether the banner shows a wait that ticks. */
export function wantsTick(s: PresenceState): boolean {
  const phase = presenceView(s).phase;
  return phase === 'waiting' || phase === 'left' || phase === 'returning';
}

// ── broadcasts ──────────────────────────────────────────────────────────────

/**
 * A broadcast's characters as one member: its control page waits on the broadcast's status
 * (`starting` until its output is live), not on each character's participant.
 */
export const broadcastCast: PresenceMember[] = [{ id: 'cast', name: 'the characters' }];

/**
 * The events one reading of a broadcast means to its presence, given the status read before:
 * `starting` begins a wait, `live` ends it, `failed` shows `lastError` with Retry (a new start).
 */
export function broadcastPresenceEvents(
  previous: Broadcast['status'] | null,
  b: Pick<Broadcast, 'status' | 'lastError'>,
  at: number,
): PresenceEvent[] {
  if (b.status === previous) return [];
  const restart: PresenceEvent[] = [
    { type: 'stopped', at },
    { type: 'started', at },
  ];
  switch (b.status) {
    case 'starting':
      return restart;
    case 'live':
    case 'stopping':
      return [{ type: 'joined', id: 'cast', at }];
    case 'failed': {
      const agent: AgentPresence = { state: 'failed', attempts: 0, waitingSince: null, reason: b.lastError };
      return [...restart, { type: 'polled', session: { status: 'failed', agent }, sentAt: at, at }];
    }
    case 'idle':
    case 'ended':
      return [{ type: 'stopped', at }];
  }
}
