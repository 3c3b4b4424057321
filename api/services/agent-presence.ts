import type { RoomState } from './livekit.ts';

/**
 * Whether a session's agent has arrived, decided as a pure function: the supervisor
 * (agent-supervisor.ts) reads the session and its room, calls `decidePresence`, and carries out
 * the answer. Every rule is here, on an injectable clock, so that it can be tested as a table.
 */

export interface PresenceOptions {
  /** How long a dispatch may take before the API dispatches again. @defaultValue 5000 */
  joinTimeoutMs: number;
  /** Dispatches in one wait (the first included) before the session fails. @defaultValue 4 */
  maxAttempts: number;
  /** The wait after a repeated dispatch doubles each time up to this. @defaultValue 30000 */
  maxBackoffMs: number;
  /** How long a session whose room nobody has opened yet is watched. @defaultValue 600000 (10 min) */
  openRoomWindowMs: number;
  /**
   * How long a session whose room vanished under its agent (livekit-server restarted) is watched
   * for the room to come back (browsers reconnect and open it again). @defaultValue 120000 (2 min)
   */
  roomReturnWindowMs: number;
  /** How often a room that exists without its agent or its people is looked at again. @defaultValue 1000 */
  recheckMs: number;
  /**
   * How long a job that a worker has accepted may take to arrive before the API dispatches again:
   * on a busy machine a job process takes tens of seconds to start, and dispatching again meanwhile
   * only adds jobs to start (a job that dies on the way is reported and dispatched again at once).
   * @defaultValue 60000
   */
  startGraceMs: number;
}

export const defaultPresenceOptions: PresenceOptions = {
  joinTimeoutMs: 5000,
  maxAttempts: 4,
  maxBackoffMs: 30_000,
  openRoomWindowMs: 600_000,
  roomReturnWindowMs: 120_000,
  recheckMs: 1000,
  startGraceMs: 60_000,
};

/** The facts about a session the rules need. */
export interface PresenceFacts {
  status: 'created' | 'active' | 'ended' | 'failed';
  /** A broadcast's room has no people by design and is opened by the API itself. */
  broadcast: boolean;
  /** Dispatches made in the current wait; 0 right after a joined agent was lost. */
  attempts: number;
  createdAtMs: number;
  /** Whether an agent ever joined this session (then a new one takes the conversation up). */
  everJoined: boolean;
  /** Since when the session has waited for its agent (epoch ms); null while it has one. */
  waitingSinceMs: number | null;
  /** When a worker accepted the job now on its way (epoch ms); null when none is. */
  acceptedAtMs?: number | null;
}

export type PresenceDecision =
  /** Nothing to wait for any more (the session or its room is over, or nobody is there). */
  | { kind: 'idle'; why: string }
  /** The session is over for good: its room is gone, or nobody ever came. */
  | { kind: 'end'; reason: string }
  /** Look again at `untilMs`. */
  | { kind: 'wait'; untilMs: number }
  | { kind: 'joined'; identity: string }
  /** Dispatch again; `attempt` is this dispatch's number in the current wait. */
  | { kind: 'dispatch'; attempt: number; resume: boolean; nextCheckMs: number }
  | { kind: 'fail'; reason: string };

/** The wait after dispatch number `attempt` before the next one: the timeout, doubling, capped. */
export function backoffAfter(attempt: number, opts: PresenceOptions): number {
  return Math.min(opts.maxBackoffMs, opts.joinTimeoutMs * 2 ** Math.max(0, attempt - 1));
}

export function decidePresence(
  session: PresenceFacts,
  room: RoomState,
  nowMs: number,
  options: Partial<PresenceOptions> = {},
): PresenceDecision {
  const opts = { ...defaultPresenceOptions, ...options };
  if (session.status === 'ended' || session.status === 'failed')
    return { kind: 'idle', why: `session ${session.status}` };

  if (!room.exists) {
    // A broadcast's room is the API's to open; a call's is opened by the caller's browser.
    if (session.broadcast) return dispatchOrFail(session, nowMs, opts);
    if (!session.everJoined)
      return nowMs - session.createdAtMs < opts.openRoomWindowMs
        ? { kind: 'wait', untilMs: nowMs + opts.recheckMs }
        : { kind: 'end', reason: 'Nobody joined the call.' };
    // The room vanished under its agent (livekit-server restarted): browsers open it again.
    const since = session.waitingSinceMs ?? nowMs;
    return nowMs - since < opts.roomReturnWindowMs
      ? { kind: 'wait', untilMs: nowMs + opts.recheckMs }
      : { kind: 'end', reason: 'The call’s room closed and nobody came back to it.' };
  }

  const [job] = room.jobs;
  if (job !== undefined) return { kind: 'joined', identity: job };

  if (room.people === 0 && !session.broadcast) {
    // Everyone left: the room will close by itself. Until then someone may come back.
    if (nowMs - session.createdAtMs < opts.openRoomWindowMs)
      return { kind: 'wait', untilMs: nowMs + opts.recheckMs };
    return { kind: 'idle', why: 'nobody in the room' };
  }

  // A worker took the job and is starting it: dispatching again would only add another to start.
  if (session.acceptedAtMs != null && nowMs - session.acceptedAtMs < opts.startGraceMs)
    return { kind: 'wait', untilMs: nowMs + opts.recheckMs };

  // The first dispatch is LiveKit's own, when the room opened: it gets the whole timeout from then.
  if (session.attempts === 1) {
    const due = room.createdAtMs + opts.joinTimeoutMs;
    if (nowMs < due) return { kind: 'wait', untilMs: due };
  }
  return dispatchOrFail(session, nowMs, opts);
}

function dispatchOrFail(session: PresenceFacts, nowMs: number, opts: PresenceOptions): PresenceDecision {
  if (session.attempts >= opts.maxAttempts) {
    const tries = `${opts.maxAttempts} ${opts.maxAttempts === 1 ? 'try' : 'tries'}`;
    return {
      kind: 'fail',
      reason: session.everJoined
        ? `The character left the call and no agent worker could bring it back after ${tries}. Is the agent worker running?`
        : `No agent worker took the call after ${tries}. Is the agent worker running, and does it have room for another call?`,
    };
  }
  const attempt = session.attempts + 1;
  return {
    kind: 'dispatch',
    attempt,
    resume: session.everJoined,
    nextCheckMs: nowMs + backoffAfter(attempt, opts),
  };
}
