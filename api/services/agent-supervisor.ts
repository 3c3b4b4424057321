import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { sessions } from '../../db/schema.ts';
import { DispatchMetadata, MAX_GROUP_HUMANS } from '../../protocol/index.ts';
import { ConflictError } from '../errors.ts';
import {
  type PresenceDecision,
  type PresenceOptions,
  decidePresence,
  defaultPresenceOptions,
} from './agent-presence.ts';
import { LivekitUnavailableError, type LivekitService, type RoomState } from './livekit.ts';
import { SessionLifecycle } from './session-lifecycle.ts';

export interface AgentSupervisorOptions extends PresenceOptions {
  /** How often the supervisor looks for sessions that are due. @defaultValue 500 */
  tickMs: number;
  /** Sessions looked at per tick, at most. @defaultValue 20 */
  batch: number;
  /**
   * A claimed session is left alone by other API replicas for this long, so that a replica that
   * dies mid-check delays the session by this much and no more. @defaultValue 10000
   */
  claimMs: number;
}

export const defaultAgentSupervisorOptions: AgentSupervisorOptions = {
  ...defaultPresenceOptions,
  tickMs: 500,
  batch: 20,
  claimMs: 10_000,
};

export interface AgentSupervisorDeps {
  db: Db;
  livekit: Pick<LivekitService, 'roomState' | 'redispatchAgent' | 'removeParticipant'>;
  logger: Logger;
  /** Told when a broadcast's session fails, so that the broadcast fails with the same reason. */
  onFailed?: (sessionId: string, reason: string, log: Logger) => Promise<void>;
  /** Ends a session whose room is gone for good (SessionService.markRoomFinished). */
  endSession: (sessionId: string, log: Logger) => Promise<unknown>;
  /** @defaultValue Date.now */
  clock?: () => number;
}

type Claimed = Pick<
  typeof sessions.$inferSelect,
  | 'id'
  | 'roomName'
  | 'mode'
  | 'status'
  | 'dispatch'
  | 'dispatchAttempts'
  | 'createdAt'
  | 'providers'
  | 'agentWaitingSince'
  | 'agentAcceptedAt'
>;

const LIVE = ['created', 'active'] as const;

/**
 * Confirms that every live session has its agent in its room, and dispatches again when it has not.
 *
 * Sessions carry their own schedule (`next_check_at`), so the supervisor keeps nothing in memory:
 * several API replicas run one each, and a due session is claimed by one of them at a time
 * (`FOR UPDATE SKIP LOCKED`). The happy path costs no LiveKit call at all: the agent's status report
 * or LiveKit's `participant_joined` webhook clears the schedule before it is due. The rules live in
 * agent-presence.ts; this class reads the facts and carries out the decision.
 */
export class AgentSupervisor {
  readonly options: AgentSupervisorOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly clock: () => number;
  private readonly lifecycle: SessionLifecycle;

  constructor(
    private readonly deps: AgentSupervisorDeps,
    opts: Partial<AgentSupervisorOptions> = {},
  ) {
    this.options = { ...defaultAgentSupervisorOptions, ...opts };
    this.clock = deps.clock ?? Date.now;
    this.lifecycle = new SessionLifecycle(deps.db);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Looks at every session that is due once; overlapping ticks are skipped. */
  async tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.checkDue()
      .catch((err: unknown) => this.deps.logger.warn({ err }, 'agent supervisor tick failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** A worker accepted a job for the session: it is starting, and is waited for (startGraceMs). */
  async accepted(sessionId: string, log: Logger): Promise<void> {
    const [row] = await this.deps.db
      .update(sessions)
      .set({ agentAcceptedAt: sql`now()` })
      .where(and(eq(sessions.id, sessionId), inArray(sessions.status, LIVE), isNull(sessions.agentIdentity)))
      .returning({ id: sessions.id });
    if (row) log.debug({ sessionId }, 'agent job accepted by a worker');
  }

  /** The job `identity` joined the session's room (its status report, or LiveKit's webhook). */
  async joined(sessionId: string, identity: string, log: Logger): Promise<void> {
    const [row] = await this.deps.db
      .update(sessions)
      .set({
        agentIdentity: identity,
        agentWaitingSince: null,
        agentAcceptedAt: null,
        nextCheckAt: null,
        agentReason: null,
      })
      .where(and(eq(sessions.id, sessionId), inArray(sessions.status, LIVE), isNull(sessions.agentIdentity)))
      .returning({ waitingSince: sessions.agentWaitingSince, attempts: sessions.dispatchAttempts });
    if (row) log.info({ sessionId, attempts: row.attempts }, 'agent joined');
  }

  /**
   * The job `identity` of a session is gone (it left the room, its process died, or its worker
   * did). When it was the session's agent and the session is live, its participant is taken out of
   * the room and the session is looked at at once. Resolves true when it was the session's agent.
   */
  async lost(sessionId: string, identity: string, reason: string, log: Logger): Promise<boolean> {
    // Not looked at until the dead participant is out of the room (else a check in between would
    // find it there and take it for the agent); a replica that dies meanwhile leaves a fallback.
    const [row] = await this.deps.db
      .update(sessions)
      .set({
        agentIdentity: null,
        agentWaitingSince: sql`now()`,
        agentAcceptedAt: null,
        dispatchAttempts: 0,
        nextCheckAt: sql`now() + ${this.options.claimMs} * interval '1 millisecond'`,
        agentReason: reason,
      })
      .where(
        and(eq(sessions.id, sessionId), inArray(sessions.status, LIVE), eq(sessions.agentIdentity, identity)),
      )
      .returning({ roomName: sessions.roomName });
    if (!row) return false;
    log.warn({ sessionId, reason }, 'agent lost; taking the call up again');
    // A job killed outright stays in the room until LiveKit times it out (~20 s): take it out now.
    await this.deps.livekit
      .removeParticipant(row.roomName, identity)
      .catch((err: unknown) => log.warn({ err, sessionId }, 'could not remove the lost agent from its room'));
    await this.deps.db
      .update(sessions)
      .set({ nextCheckAt: sql`now()` })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.agentIdentity)));
    void this.tick();
    return true;
  }

  /** Waits for the agent again from scratch (the Retry button); a session that ended cannot. */
  async retry(sessionId: string, log: Logger): Promise<void> {
    const applied = await this.lifecycle.apply(sessionId, { type: 'retry' });
    if (applied?.kind !== 'moved') throw new ConflictError('the session has ended');
    log.info({ sessionId }, 'agent retry requested');
    void this.tick();
  }

  private async checkDue(): Promise<void> {
    const due = await this.claimDue();
    for (const session of due) {
      const log = this.deps.logger.child({ sessionId: session.id, room: session.roomName });
      await this.check(session, log).catch((err: unknown) =>
        log.warn({ err }, 'could not check the agent of a session; trying again shortly'),
      );
    }
  }

  /** Claims the due sessions for `claimMs`, so that no other replica looks at them meanwhile. */
  private async claimDue(): Promise<Claimed[]> {
    const due = this.deps.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(lte(sessions.nextCheckAt, sql`now()`), inArray(sessions.status, LIVE)))
      .orderBy(asc(sessions.nextCheckAt))
      .limit(this.options.batch)
      .for('update', { skipLocked: true });
    return this.deps.db
      .update(sessions)
      .set({ nextCheckAt: sql`now() + ${this.options.claimMs} * interval '1 millisecond'` })
      .where(inArray(sessions.id, due))
      .returning({
        id: sessions.id,
        roomName: sessions.roomName,
        mode: sessions.mode,
        status: sessions.status,
        dispatch: sessions.dispatch,
        dispatchAttempts: sessions.dispatchAttempts,
        createdAt: sessions.createdAt,
        providers: sessions.providers,
        agentWaitingSince: sessions.agentWaitingSince,
        agentAcceptedAt: sessions.agentAcceptedAt,
      });
  }

  private async check(session: Claimed, log: Logger): Promise<void> {
    const parsed = DispatchMetadata.safeParse(session.dispatch);
    if (!parsed.success) {
      // Sessions from before supervision have nothing to dispatch with.
      await this.schedule(session.id, null);
      return;
    }
    const dispatch = parsed.data;
    let room: RoomState;
    try {
      room = await this.deps.livekit.roomState(session.roomName);
    } catch (err) {
      if (!(err instanceof LivekitUnavailableError)) throw err;
      log.warn({ reason: err.message }, 'LiveKit unreachable; looking at the session again shortly');
      await this.schedule(session.id, this.clock() + this.options.recheckMs);
      return;
    }
    const decision = decidePresence(
      {
        status: session.status,
        broadcast: dispatch.broadcast !== undefined,
        attempts: session.dispatchAttempts,
        createdAtMs: session.createdAt.getTime(),
        everJoined: session.providers !== null,
        waitingSinceMs: session.agentWaitingSince?.getTime() ?? null,
        acceptedAtMs: session.agentAcceptedAt?.getTime() ?? null,
      },
      room,
      this.clock(),
      this.options,
    );
    await this.apply(session, dispatch, decision, log);
  }

  private async apply(
    session: Claimed,
    dispatch: DispatchMetadata,
    decision: PresenceDecision,
    log: Logger,
  ): Promise<void> {
    switch (decision.kind) {
      case 'idle':
        log.debug({ why: decision.why }, 'agent supervision stops for this session');
        return this.schedule(session.id, null);
      case 'wait':
        return this.schedule(session.id, decision.untilMs);
      case 'joined':
        return this.joined(session.id, decision.identity, log);
      case 'fail':
        return this.fail(session.id, decision.reason, log);
      case 'end':
        log.info({ reason: decision.reason }, 'session ended: its room is gone');
        await this.deps.db
          .update(sessions)
          .set({ agentReason: decision.reason, nextCheckAt: null })
          .where(eq(sessions.id, session.id));
        await this.deps.endSession(session.id, log);
        return;
      case 'dispatch': {
        const maxParticipants =
          dispatch.mode === 'group' ? MAX_GROUP_HUMANS + (dispatch.characters?.length ?? 1) + 1 : 0;
        const metadata: DispatchMetadata = {
          ...dispatch,
          attempt: decision.attempt,
          ...(decision.resume ? { resume: true } : {}),
        };
        let outcome = 'dispatched';
        try {
          await this.deps.livekit.redispatchAgent(session.roomName, metadata, maxParticipants);
        } catch (err) {
          if (!(err instanceof LivekitUnavailableError)) throw err;
          outcome = err.message;
        }
        log.warn(
          { attempt: decision.attempt, resume: decision.resume, outcome },
          'agent not in its room; dispatched again',
        );
        await this.deps.db
          .update(sessions)
          .set({ dispatchAttempts: decision.attempt, nextCheckAt: new Date(decision.nextCheckMs) })
          .where(and(eq(sessions.id, session.id), isNull(sessions.agentIdentity)));
        return;
      }
    }
  }

  private async fail(sessionId: string, reason: string, log: Logger): Promise<void> {
    const applied = await this.lifecycle.apply(sessionId, { type: 'agentFailed', reason });
    if (applied?.kind !== 'moved') return;
    log.warn({ reason }, 'session failed: no agent');
    await this.deps.onFailed?.(sessionId, reason, log);
  }

  /** Sets when the session is next looked at (null: not again), unless its agent joined meanwhile. */
  private async schedule(sessionId: string, atMs: number | null): Promise<void> {
    await this.deps.db
      .update(sessions)
      .set({ nextCheckAt: atMs === null ? null : new Date(atMs) })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.agentIdentity)));
  }
}
