import { randomBytes, randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { messages, sessionCharacters, sessions } from '../../db/schema.ts';
import type {
  AgentPresence,
  Character,
  CreateSessionRequest,
  CreateSessionResponse,
  DispatchMetadata,
  SessionDetail,
  SessionSummary,
  SessionStatusReport,
  Turn,
} from '../../protocol/index.ts';
import { GroupSettings, MAX_GROUP_HUMANS } from '../../protocol/index.ts';
import { NotFoundError, UnauthorizedError } from '../errors.ts';
import { characterAccess, type Principal } from './access.ts';
import type { CharacterRepository } from './characters.ts';
import { LivekitUnavailableError, type LivekitService } from './livekit.ts';
import type { MemoryService } from './memories.ts';
import { participantsOf } from './participants.ts';
import { SessionLifecycle } from './session-lifecycle.ts';

type SessionRow = typeof sessions.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

/** A session as access checks and room tokens see it. */
export type SessionFacts = Pick<
  SessionRow,
  'id' | 'ownerId' | 'status' | 'roomName' | 'callerIdentity' | 'callerName'
>;

export interface SessionServiceDeps {
  db: Db;
  characters: CharacterRepository;
  livekit: LivekitService;
  /** What the companion remembers of earlier calls with the same person. */
  memories: MemoryService;
  /** The LiveKit URL returned to browsers. */
  livekitPublicUrl: string;
  /** When a new session's agent is first looked for (agent-supervisor.ts). @defaultValue 5000 */
  agentJoinTimeoutMs?: number;
  /** Called once a turn is newly stored (engagement rollups); it must not throw. @defaultValue undefined */
  turnStored?: (turn: MessageRow, log: Logger) => Promise<void>;
}

/** What happened to a reported turn; reports are idempotent by turn id. */
export type TurnOutcome =
  | { kind: 'created'; turn: Turn }
  | { kind: 'exists'; turn: Turn }
  | { kind: 'other_session' }
  | { kind: 'no_session' };

/** How a session is started when it is not a browser's call (broadcasts). */
export interface CreateSessionOptions {
  /**
   * Dispatch the agent from the server (room service) instead of through the caller's token, so
   * the metadata never reaches a browser. @defaultValue false
   */
  serverDispatch: boolean;
  /** The broadcast this group session carries; passed to the agent in its dispatch metadata. @defaultValue undefined */
  broadcast: DispatchMetadata['broadcast'];
}

/** The columns of `SessionFacts`, for a select. */
export const sessionFactsColumns = {
  id: sessions.id,
  ownerId: sessions.ownerId,
  status: sessions.status,
  roomName: sessions.roomName,
  callerIdentity: sessions.callerIdentity,
  callerName: sessions.callerName,
};

export const roomNameFor = (sessionId: string): string => `call-${sessionId}`;
const DEFAULT_CALLER_NAME = 'Caller';

/** Sessions and their transcripts. The API is the only writer; the agent reports through it. */
export class SessionService {
  private readonly lifecycle: SessionLifecycle;

  constructor(private readonly deps: SessionServiceDeps) {
    this.lifecycle = new SessionLifecycle(deps.db);
  }

  /**
   * Writes the session, owned by the caller, and mints the caller's token, whose room configuration
   * dispatches the agent. The character must be one the caller may see.
   */
  async create(
    req: CreateSessionRequest,
    owner: Principal | undefined,
    log: Logger,
    opts: Partial<CreateSessionOptions> = {},
  ): Promise<CreateSessionResponse> {
    if (!owner) throw new UnauthorizedError('sign in to start a call');
    const ids = req.mode === 'call' ? [req.characterId ?? req.characterIds?.[0] ?? ''] : req.characterIds;
    const cast: Character[] = [];
    for (const id of ids) {
      const character = await this.deps.characters.get(id);
      if (!character || characterAccess(owner, character, 'call') !== 'allow')
        throw new NotFoundError(`character ${id} not found`);
      cast.push(character);
    }
    const character = cast[0]!;
    const settings = req.mode === 'group' ? (req.settings ?? GroupSettings.parse({})) : undefined;

    const sessionId = randomUUID();
    const roomName = roomNameFor(sessionId);
    const callerIdentity = `caller-${randomBytes(5).toString('hex')}`;
    const callerName = req.displayName ?? DEFAULT_CALLER_NAME;
    await this.deps.db.transaction(async (tx) => {
      await tx.insert(sessions).values({
        id: sessionId,
        mode: req.mode,
        characterId: character.id,
        ownerId: owner.id,
        roomName,
        callerIdentity,
        callerName,
        settings: settings ?? null,
      });
      await tx
        .insert(sessionCharacters)
        .values(cast.map((c, position) => ({ sessionId, characterId: c.id, position })));
    });
    const dispatch: DispatchMetadata = {
      sessionId,
      mode: req.mode,
      character: dispatchedCharacter(character),
      ...(req.mode === 'group' ? { characters: cast.map(dispatchedCharacter), settings } : {}),
      callerIdentity,
      callerName,
      // Memories are of one person with one companion; a group's are not recalled (yet).
      ...(req.mode === 'call' ? { memories: await this.deps.memories.recall(owner.id, character.id) } : {}),
      ...(opts.broadcast ? { broadcast: opts.broadcast } : {}),
    };
    await this.deps.db
      .update(sessions)
      .set({
        dispatch,
        nextCheckAt: sql`now() + ${this.deps.agentJoinTimeoutMs ?? 5000} * interval '1 millisecond'`,
      })
      .where(eq(sessions.id, sessionId));
    // People, plus one participant per character and the job's own.
    const maxParticipants = req.mode === 'group' ? MAX_GROUP_HUMANS + cast.length + 1 : undefined;
    if (opts.serverDispatch) {
      try {
        await this.deps.livekit.dispatchAgent(roomName, dispatch, maxParticipants);
      } catch (err) {
        // No agent, no session: end it at once so it does not linger as `created`.
        await this.end(sessionId, log);
        throw err;
      }
    }
    const token = await this.deps.livekit.callerToken({
      room: roomName,
      identity: callerIdentity,
      name: callerName,
      ...(opts.serverDispatch ? {} : { dispatch }),
      ...(maxParticipants === undefined ? {} : { maxParticipants }),
    });
    log.info(
      {
        sessionId,
        room: roomName,
        mode: req.mode,
        character: cast.map((c) => c.id).join(','),
        pii: { callerIdentity, callerName },
      },
      'session created',
    );
    return {
      sessionId,
      roomName,
      url: this.deps.livekitPublicUrl,
      token,
      identity: callerIdentity,
      character,
      ...(req.mode === 'group' ? { characters: cast } : {}),
    };
  }

  async get(id: string): Promise<SessionDetail | undefined> {
    const [row] = await this.deps.db.select().from(sessions).where(eq(sessions.id, id)).limit(1);
    if (!row) return undefined;
    const turns = await this.deps.db
      .select()
      .from(messages)
      .where(eq(messages.sessionId, id))
      .orderBy(asc(messages.startedAt), asc(messages.createdAt), asc(messages.id));
    const cast = await this.deps.db
      .select({ id: sessionCharacters.characterId })
      .from(sessionCharacters)
      .where(eq(sessionCharacters.sessionId, id))
      .orderBy(asc(sessionCharacters.position));
    return {
      ...toSessionDetail(row, turns),
      characterIds: cast.length > 0 ? cast.map((c) => c.id) : [row.characterId],
      settings: row.mode === 'group' ? GroupSettings.parse(row.settings ?? {}) : null,
      participants: await participantsOf(this.deps.db, id),
    };
  }

  /** What access decisions and room tokens need to know about a session. */
  async facts(id: string): Promise<SessionFacts | undefined> {
    const [row] = await this.deps.db
      .select(sessionFactsColumns)
      .from(sessions)
      .where(eq(sessions.id, id))
      .limit(1);
    return row;
  }

  /**
   * Marks the session ended (once: a second call keeps the first endedAt) and closes its room.
   * A room that is already gone is fine; an unreachable LiveKit is logged and does not stop the end.
   */
  async end(id: string, log: Logger): Promise<SessionDetail | undefined> {
    const applied = await this.lifecycle.apply(id, { type: 'end' });
    if (!applied) return undefined;
    const roomName = applied.row.roomName;
    const sessionLog = log.child({ sessionId: id, room: roomName });
    if (applied.kind === 'moved') sessionLog.info('session ended');
    try {
      const outcome = await this.deps.livekit.deleteRoom(roomName);
      sessionLog.debug({ outcome }, 'room closed');
    } catch (err) {
      if (!(err instanceof LivekitUnavailableError)) throw err;
      sessionLog.warn({ reason: err.message }, 'could not close room; the session is ended anyway');
    }
    return this.get(id);
  }

  /**
   * Deletes the session and everything it stored (turns, invites, memory: the foreign keys
   * cascade), closing its room first. False when there is no such session.
   */
  async remove(id: string, log: Logger): Promise<boolean> {
    if (!(await this.end(id, log))) return false;
    const deleted = await this.deps.db
      .delete(sessions)
      .where(eq(sessions.id, id))
      .returning({ id: sessions.id });
    if (deleted.length > 0) log.info({ sessionId: id }, 'session deleted');
    return deleted.length > 0;
  }

  /** The agent's start report: active unless already ended, startedAt set once, providers recorded. */
  async reportStatus(id: string, report: SessionStatusReport, log: Logger): Promise<boolean> {
    const applied = await this.lifecycle.apply(
      id,
      { type: 'agentReported' },
      { providers: report.providers },
    );
    if (applied) log.info({ sessionId: id, providers: report.providers }, 'session status reported');
    return applied !== undefined;
  }

  /** Stores one turn; the same turn id reported again for the same session writes nothing. */
  async recordTurn(sessionId: string, turn: Turn, log: Logger): Promise<TurnOutcome> {
    const [session] = await this.deps.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(eq(sessions.id, sessionId))
      .limit(1);
    if (!session) return { kind: 'no_session' };
    const [inserted] = await this.deps.db
      .insert(messages)
      .values({
        id: turn.id,
        sessionId,
        role: turn.role,
        speaker: turn.speaker,
        speakerName: turn.speakerName,
        text: turn.text,
        heardText: turn.heardText,
        interrupted: turn.interrupted,
        startedAt: new Date(turn.startedAt),
        endedAt: new Date(turn.endedAt),
        ...turn.metrics,
        source: turn.source ?? 'voice',
      })
      .onConflictDoNothing({ target: messages.id })
      .returning();
    if (inserted) {
      log.debug(
        {
          sessionId,
          turnId: turn.id,
          role: turn.role,
          metrics: turn.metrics,
          pii: { speaker: turn.speaker, text: turn.heardText },
        },
        'turn recorded',
      );
      await this.deps.turnStored?.(inserted, log);
      return { kind: 'created', turn: toTurn(inserted) };
    }
    const [existing] = await this.deps.db.select().from(messages).where(eq(messages.id, turn.id)).limit(1);
    if (!existing) throw new Error(`turn ${turn.id} neither inserted nor found`);
    if (existing.sessionId !== sessionId) return { kind: 'other_session' };
    return { kind: 'exists', turn: toTurn(existing) };
  }

  /** The session whose LiveKit room this is, if any. */
  async findByRoom(roomName: string): Promise<{ id: string; status: SessionRow['status'] } | undefined> {
    const [row] = await this.deps.db
      .select({ id: sessions.id, status: sessions.status })
      .from(sessions)
      .where(eq(sessions.roomName, roomName))
      .limit(1);
    return row;
  }

  /** LiveKit opened the room (webhook): active unless already ended, startedAt set once. */
  async markRoomStarted(id: string, log: Logger): Promise<void> {
    const applied = await this.lifecycle.apply(id, { type: 'roomStarted' });
    if (applied?.kind === 'moved')
      log.info({ sessionId: id, startedAt: applied.row.startedAt }, 'room started');
  }

  /**
   * LiveKit closed the room (webhook): ended with its duration, unless the session already ended
   * (through `end()` or an earlier delivery), in which case the first end stands. No room-service
   * call: the room is already gone. Resolves true when this call ended the session.
   */
  async markRoomFinished(id: string, log: Logger): Promise<boolean> {
    const applied = await this.lifecycle.apply(id, { type: 'roomFinished' });
    if (applied?.kind !== 'moved') return false;
    log.info({ sessionId: id, durationMs: applied.row.durationMs }, 'session ended: room finished');
    return true;
  }
}

function toTurn(m: MessageRow): Turn {
  return {
    id: m.id,
    role: m.role,
    speaker: m.speaker,
    speakerName: m.speakerName,
    text: m.text,
    heardText: m.heardText,
    interrupted: m.interrupted,
    startedAt: m.startedAt.toISOString(),
    endedAt: m.endedAt.toISOString(),
    metrics: {
      eouDelayMs: m.eouDelayMs,
      sttDelayMs: m.sttDelayMs,
      llmTtftMs: m.llmTtftMs,
      ttsTtfbMs: m.ttsTtfbMs,
      voiceToVoiceMs: m.voiceToVoiceMs,
      handoverGapMs: m.handoverGapMs,
    },
    source: m.source,
  };
}

function toSessionDetail(s: SessionRow, turns: MessageRow[]): SessionDetail {
  return { ...toSessionSummary(s), transcript: turns.map(toTurn) };
}

export function toSessionSummary(s: SessionRow): SessionSummary {
  return {
    id: s.id,
    mode: s.mode,
    roomName: s.roomName,
    characterId: s.characterId,
    ownerId: s.ownerId,
    callerIdentity: s.callerIdentity,
    status: s.status,
    providers: s.providers ?? null,
    createdAt: s.createdAt.toISOString(),
    startedAt: s.startedAt?.toISOString() ?? null,
    endedAt: s.endedAt?.toISOString() ?? null,
    durationMs: s.durationMs,
    agent: agentPresenceOf(s),
  };
}

/** The agent's arrival as people see it, from the columns the supervisor keeps. */
export function agentPresenceOf(
  s: Pick<
    SessionRow,
    'status' | 'agentIdentity' | 'agentWaitingSince' | 'dispatchAttempts' | 'agentReason' | 'createdAt'
  >,
): AgentPresence {
  const attempts = s.dispatchAttempts;
  if (s.status === 'failed') return { state: 'failed', attempts, waitingSince: null, reason: s.agentReason };
  if (s.status === 'ended') return { state: 'none', attempts, waitingSince: null, reason: null };
  if (s.agentIdentity !== null) return { state: 'joined', attempts, waitingSince: null, reason: null };
  return {
    state: 'waiting',
    attempts,
    waitingSince: (s.agentWaitingSince ?? s.createdAt).toISOString(),
    reason: s.agentReason,
  };
}

/**
 * The character as the agent receives it. The dispatch metadata travels inside the caller's room
 * token, which the browser sends in a URL, so the long card fields (up to tens of kilobytes) stay
 * behind; the agent does not read them yet.
 */
export function dispatchedCharacter(character: Character): Character {
  const { description: _d, alternateGreetings: _a, exampleDialogue: _e, ...rest } = character;
  return rest;
}
