import { and, count, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { broadcasts, controlCommands, sessions } from '../../db/schema.ts';
import {
  ShowControlAction,
  ShowDropReason,
  type ShowCommand,
  type ShowCommandReport,
} from '../../protocol/index.ts';

export type ControlCommandRow = typeof controlCommands.$inferSelect;

/** The command as the API answers it and the webhook delivers it. */
export function toShowCommand(row: ControlCommandRow): ShowCommand {
  const action = ShowControlAction.parse(row.action);
  const reason = ShowDropReason.safeParse(row.reason);
  return {
    id: row.id,
    broadcastId: row.broadcastId,
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

  async insert(
    id: string,
    broadcastId: string,
    sessionId: string,
    action: ShowControlAction,
  ): Promise<ControlCommandRow> {
    const [row] = await this.db
      .insert(controlCommands)
      .values({ id, broadcastId, sessionId, action })
      .returning();
    return row!;
  }

  async get(broadcastId: string, id: string): Promise<ControlCommandRow | undefined> {
    const [row] = await this.db
      .select()
      .from(controlCommands)
      .where(and(eq(controlCommands.id, id), eq(controlCommands.broadcastId, broadcastId)))
      .limit(1);
    return row;
  }

  /** The job has the command; true the first time (false when it was known already, or unknown). */
  async received(broadcastId: string, id: string, at: Date): Promise<boolean> {
    const updated = await this.db
      .update(controlCommands)
      .set({ receivedAt: at })
      .where(
        and(
          eq(controlCommands.id, id),
          eq(controlCommands.broadcastId, broadcastId),
          isNull(controlCommands.receivedAt),
        ),
      )
      .returning({ id: controlCommands.id });
    return updated.length > 0;
  }

  async pendingCount(broadcastId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(controlCommands)
      .where(and(eq(controlCommands.broadcastId, broadcastId), eq(controlCommands.outcome, 'pending')));
    return row?.n ?? 0;
  }

  /**
   * Stores the outcome of a command still pending; resolves with the finished row, or undefined
   * when it had finished already (a repeated report, or a lost command reported late).
   */
  async finish(
    broadcastId: string,
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
      .where(
        and(
          eq(controlCommands.id, id),
          eq(controlCommands.broadcastId, broadcastId),
          eq(controlCommands.outcome, 'pending'),
        ),
      )
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
