import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { sessions } from '../../db/schema.ts';
import type { SessionStatus } from '../../protocol/index.ts';

// A session's lifecycle as one pure transition: (current, event) → the next status and the columns
// to write, or a refusal. `SessionLifecycle.apply` is the only writer of `sessions.status`: it
// locks the row, asks `transition` and writes what it answers. Timestamps and the duration are the
// database's (`now()`), so that an end and its duration come from the same clock.

/** What the rules read of a session. */
export interface LifecycleState {
  status: SessionStatus;
  /** startedAt is set (the room opened or the agent reported). */
  started: boolean;
  /** endedAt is set; the first end stands. */
  ended: boolean;
  /** An agent job is in the room (agentIdentity is set). */
  agentJoined: boolean;
}

export type LifecycleEvent =
  /** LiveKit opened the room (webhook `room_started`). */
  | { type: 'roomStarted' }
  /** The agent's start report; never refused, as its providers are recorded whatever the state. */
  | { type: 'agentReported' }
  /** Ended on purpose: `POST /api/sessions/:id/end`, a delete, a broadcast's tear-down. */
  | { type: 'end' }
  /** LiveKit closed the room (webhook `room_finished`), or the supervisor found it gone for good. */
  | { type: 'roomFinished' }
  /** No agent came after every dispatch attempt. */
  | { type: 'agentFailed'; reason: string }
  /** Wait for the agent again from scratch (the Retry button). */
  | { type: 'retry' };

/**
 * The columns a transition writes besides the status. `'now'` is the database's now(); `'measured'`
 * is the time from startedAt (createdAt when it never started) to now, in whole milliseconds.
 */
export interface LifecycleWrite {
  startedAt?: 'now';
  endedAt?: 'now';
  durationMs?: 'measured';
  nextCheckAt?: 'now' | null;
  agentWaitingSince?: 'now' | null;
  agentIdentity?: null;
  dispatchAttempts?: 0;
  agentReason?: string | null;
}

export type Transition =
  { kind: 'next'; status: SessionStatus; write: LifecycleWrite } | { kind: 'refused'; why: string };

const live = (s: LifecycleState): boolean => s.status === 'created' || s.status === 'active';
/** Active, with startedAt set once: a later start keeps the first. */
const start = (s: LifecycleState): Transition => ({
  kind: 'next',
  status: 'active',
  write: s.started ? {} : { startedAt: 'now' },
});
/** Nothing is awaited of an ended session: the supervisor stops looking at it. */
const endWrite: LifecycleWrite = {
  endedAt: 'now',
  durationMs: 'measured',
  nextCheckAt: null,
  agentWaitingSince: null,
};

export function transition(s: LifecycleState, event: LifecycleEvent): Transition {
  switch (event.type) {
    case 'roomStarted':
      return live(s) ? start(s) : { kind: 'refused', why: `session ${s.status}` };
    case 'agentReported':
      // An ended session keeps a null startedAt rather than one later than its endedAt.
      return live(s) ? start(s) : { kind: 'next', status: s.status, write: {} };
    case 'end':
      return s.ended
        ? { kind: 'refused', why: 'already ended' }
        : { kind: 'next', status: 'ended', write: endWrite };
    case 'roomFinished':
      if (s.ended) return { kind: 'refused', why: 'already ended' };
      // A session that failed for want of an agent keeps saying so.
      return { kind: 'next', status: s.status === 'failed' ? 'failed' : 'ended', write: endWrite };
    case 'agentFailed':
      if (!live(s)) return { kind: 'refused', why: `session ${s.status}` };
      if (s.agentJoined) return { kind: 'refused', why: 'an agent is in the room' };
      return { kind: 'next', status: 'failed', write: { nextCheckAt: null, agentReason: event.reason } };
    case 'retry':
      if (s.status === 'ended') return { kind: 'refused', why: 'session ended' };
      return {
        kind: 'next',
        status: s.started ? 'active' : 'created',
        write: {
          agentIdentity: null,
          agentWaitingSince: 'now',
          dispatchAttempts: 0,
          nextCheckAt: 'now',
          agentReason: null,
        },
      };
  }
}

type SessionRow = typeof sessions.$inferSelect;
/** What a transition's caller learns of the row, as it is after the write (or as it was, if refused). */
export type LifecycleRow = Pick<SessionRow, 'status' | 'roomName' | 'startedAt' | 'durationMs'>;
export type Applied =
  { kind: 'moved'; row: LifecycleRow } | { kind: 'refused'; why: string; row: LifecycleRow };

const now = sql`now()`;
const measured = sql<number>`greatest(0, round(extract(epoch from (now() - coalesce(${sessions.startedAt}, ${sessions.createdAt}))) * 1000))::integer`;
const instant = (v: 'now' | null): SQL | null => (v === 'now' ? now : null);

type SessionSet = { [K in keyof SessionRow]?: SessionRow[K] | SQL };

function columnsOf(status: SessionStatus, w: LifecycleWrite): SessionSet {
  const set: SessionSet = { status };
  if (w.startedAt) set.startedAt = now;
  if (w.endedAt) set.endedAt = now;
  if (w.durationMs) set.durationMs = measured;
  if (w.nextCheckAt !== undefined) set.nextCheckAt = instant(w.nextCheckAt);
  if (w.agentWaitingSince !== undefined) set.agentWaitingSince = instant(w.agentWaitingSince);
  if (w.agentIdentity !== undefined) set.agentIdentity = w.agentIdentity;
  if (w.dispatchAttempts !== undefined) set.dispatchAttempts = w.dispatchAttempts;
  if (w.agentReason !== undefined) set.agentReason = w.agentReason;
  return set;
}

const rowColumns = {
  status: sessions.status,
  roomName: sessions.roomName,
  startedAt: sessions.startedAt,
  durationMs: sessions.durationMs,
};

/** Writes the session's transitions; the API's services and the agent supervisor each hold one. */
export class SessionLifecycle {
  constructor(private readonly db: Db) {}

  /**
   * Locks the session's row, applies `event` and writes the outcome, with `also` (columns that
   * are no part of the lifecycle, such as the agent's providers) when the event is not refused.
   * Undefined when there is no such session.
   */
  async apply(
    id: string,
    event: LifecycleEvent,
    also: Pick<Partial<SessionRow>, 'providers'> = {},
  ): Promise<Applied | undefined> {
    return this.db.transaction(async (tx) => {
      const [current] = await tx
        .select({ ...rowColumns, endedAt: sessions.endedAt, agentIdentity: sessions.agentIdentity })
        .from(sessions)
        .where(eq(sessions.id, id))
        .for('update');
      if (!current) return undefined;
      const { endedAt, agentIdentity, ...row } = current;
      const next = transition(
        {
          status: row.status,
          started: row.startedAt !== null,
          ended: endedAt !== null,
          agentJoined: agentIdentity !== null,
        },
        event,
      );
      if (next.kind === 'refused') return { kind: 'refused', why: next.why, row };
      const [written] = await tx
        .update(sessions)
        .set({ ...columnsOf(next.status, next.write), ...also })
        .where(eq(sessions.id, id))
        .returning(rowColumns);
      return { kind: 'moved', row: written! };
    });
  }
}
