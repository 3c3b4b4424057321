import { type SQL, and, count, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { broadcasts, controlCommands, sessionCharacters, sessions } from '../../db/schema.ts';
import {
  ShowControlAction,
  ShowDropReason,
  type ShowCommand,
  type ShowCommandReport,
} from '../../protocol/index.ts';

export type ControlCommandRow = typeof controlCommands.$inferSelect;

/** Whose commands: a broadcast's, or a group session's own (sent to the session, not a broadcast). */
export type ControlScope = { kind: 'broadcast'; id: string } | { kind: 'session'; id: string };

/** The rows of `scope`: a session's own commands are those with no broadcast. */
function inScope(scope: ControlScope): SQL {
  return scope.kind === 'broadcast'
    ? eq(controlCommands.broadcastId, scope.id)
    : and(eq(controlCommands.sessionId, scope.id), isNull(controlCommands.broadcastId))!;
}

/** A session as the show-control API checks it before sending it a command. */
export interface ControlSession {
  ownerId: string | null;
  mode: 'call' | 'group';
  status: 'created' | 'active' | 'ended' | 'failed';
  roomName: string;
  agentIdentity: string | null;
  characterIds: string[];
  /** The broadcast whose run it is, if any (its commands go through the broadcast). */
  broadcastId: string | null;
}

/** The command as the API answers it and the webhook delivers it. */
export function toShowCommand(row: ControlCommandRow): ShowCommand {
  const action = ShowControlAction.parse(row.action);
  const reason = ShowDropReason.safeParse(row.reason);
  return {
    id: row.id,
    broadcastId: row.broadcastId,
    sessionId: row.sessionId,
    type: action.type,
    outcome: row.outcome,
    ...(reason.success ? { reason: reason.data } : {}),
    ...(row.message !== null ? { message: row.message } : {}),
    ...(row.text !== null ? { text: row.text } : {}),
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** Where a broadcast's commands go: its run's room and the job's identity there, if it joined. */
export interface CommandTarget {
  sessionId: string;
  roomName: string;
  agentIdentity: string | null;
}

/** The control_commands table and the broadcast's webhook columns. */
export class ShowCommandStore {
  constructor(private readonly db: Db) {}

  async target(sessionId: string): Promise<CommandTarget | undefined> {
    const [row] = await this.db
      .select({ roomName: sessions.roomName, agentIdentity: sessions.agentIdentity })
      .from(sessions)
      .where(eq(sessions.id, sessionId))
      .limit(1);
    return row && { sessionId, ...row };
  }

  /** The session's facts, its cast and the broadcast it runs for; undefined when there is none. */
  async session(sessionId: string): Promise<ControlSession | undefined> {
    const [row] = await this.db
      .select({
        ownerId: sessions.ownerId,
        mode: sessions.mode,
        status: sessions.status,
        roomName: sessions.roomName,
        agentIdentity: sessions.agentIdentity,
      })
      .from(sessions)
      .where(eq(sessions.id, sessionId))
      .limit(1);
    if (!row) return undefined;
    const cast = await this.db
      .select({ id: sessionCharacters.characterId })
      .from(sessionCharacters)
      .where(eq(sessionCharacters.sessionId, sessionId));
    const [run] = await this.db
      .select({ id: broadcasts.id })
      .from(broadcasts)
      .where(eq(broadcasts.sessionId, sessionId))
      .limit(1);
    return { ...row, characterIds: cast.map((c) => c.id), broadcastId: run?.id ?? null };
  }

  async insert(
    id: string,
    scope: ControlScope,
    sessionId: string,
    action: ShowControlAction,
  ): Promise<ControlCommandRow> {
    const broadcastId = scope.kind === 'broadcast' ? scope.id : null;
    const [row] = await this.db
      .insert(controlCommands)
      .values({ id, broadcastId, sessionId, action })
      .returning();
    return row!;
  }

  async get(scope: ControlScope, id: string): Promise<ControlCommandRow | undefined> {
    const [row] = await this.db
      .select()
      .from(controlCommands)
      .where(and(eq(controlCommands.id, id), inScope(scope)))
      .limit(1);
    return row;
  }

  /** The job has the command; true the first time (false when it was known already, or unknown). */
  async received(scope: ControlScope, id: string, at: Date): Promise<boolean> {
    const updated = await this.db
      .update(controlCommands)
      .set({ receivedAt: at })
      .where(and(eq(controlCommands.id, id), inScope(scope), isNull(controlCommands.receivedAt)))
      .returning({ id: controlCommands.id });
    return updated.length > 0;
  }

  async pendingCount(scope: ControlScope): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(controlCommands)
      .where(and(inScope(scope), eq(controlCommands.outcome, 'pending')));
    return row?.n ?? 0;
  }

  /**
   * Stores the outcome of a command still pending; resolves with the finished row, or undefined
   * when it had finished already (a repeated report, or a lost command reported late).
   */
  async finish(
    scope: ControlScope,
    id: string,
    report: ShowCommandReport,
    at: Date,
  ): Promise<ControlCommandRow | undefined> {
    const [row] = await this.db
      .update(controlCommands)
      .set({
        outcome: report.outcome,
        reason: report.reason ?? null,
        message: report.message ?? null,
        text: report.text ?? null,
        finishedAt: at,
      })
      .where(and(eq(controlCommands.id, id), inScope(scope), eq(controlCommands.outcome, 'pending')))
      .returning();
    return row;
  }

  async webhook(broadcastId: string): Promise<{ url: string; secretEnc: string } | undefined> {
    const [row] = await this.db
      .select({ url: broadcasts.controlWebhookUrl, secretEnc: broadcasts.controlWebhookSecretEnc })
      .from(broadcasts)
      .where(eq(broadcasts.id, broadcastId))
      .limit(1);
    return row?.url && row.secretEnc ? { url: row.url, secretEnc: row.secretEnc } : undefined;
  }

  /** Sets (both values) or clears (null) the webhook; false when the broadcast is gone. */
  async setWebhook(
    broadcastId: string,
    webhook: { url: string; secretEnc: string } | null,
  ): Promise<boolean> {
    const updated = await this.db
      .update(broadcasts)
      .set({ controlWebhookUrl: webhook?.url ?? null, controlWebhookSecretEnc: webhook?.secretEnc ?? null })
      .where(eq(broadcasts.id, broadcastId))
      .returning({ id: broadcasts.id });
    return updated.length > 0;
  }
}
