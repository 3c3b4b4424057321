import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { memories, sessions } from '../../db/schema.ts';

export interface MemoryServiceOptions {
  /** How many of the latest memories a new call starts with. @defaultValue 5 */
  recallLimit: number;
}

export const defaultMemoryServiceOptions: MemoryServiceOptions = { recallLimit: 5 };

/** A companion's memories of its calls with one person: written at each call's end, recalled at the next. */
export class MemoryService {
  readonly #opts: MemoryServiceOptions;

  constructor(
    private readonly db: Db,
    opts: Partial<MemoryServiceOptions> = {},
  ) {
    this.#opts = { ...defaultMemoryServiceOptions, ...opts };
  }

  /**
   * Stores the summary of a session, replacing an earlier one for it (the agent's retries are
   * safe). False when the session does not exist. Sessions from before accounts have no owner,
   * so there is nobody to remember them for: accepted and not stored.
   */
  async record(sessionId: string, summary: string): Promise<boolean> {
    const [session] = await this.db
      .select({ ownerId: sessions.ownerId, characterId: sessions.characterId })
      .from(sessions)
      .where(eq(sessions.id, sessionId))
      .limit(1);
    if (!session) return false;
    if (!session.ownerId) return true;
    await this.db
      .insert(memories)
      .values({ sessionId, ownerId: session.ownerId, characterId: session.characterId, summary })
      .onConflictDoUpdate({ target: memories.sessionId, set: { summary } });
    return true;
  }

  /** The latest summaries of calls between `ownerId` and `characterId`, newest first. */
  async recall(ownerId: string, characterId: string): Promise<string[]> {
    const rows = await this.db
      .select({ summary: memories.summary })
      .from(memories)
      .where(and(eq(memories.ownerId, ownerId), eq(memories.characterId, characterId)))
      .orderBy(desc(memories.createdAt))
      .limit(this.#opts.recallLimit);
    return rows.map((r) => r.summary);
  }
}
