import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { apiKeys } from '../../db/schema.ts';
import type { ApiKey, CreatedApiKey } from '../../protocol/index.ts';

type ApiKeyRow = typeof apiKeys.$inferSelect;

/** `trp_<12 hex: prefix>_<43 base64url: 256 random bits>`. */
const KEY_FORMAT = /^trp_([0-9a-f]{12})_([\w-]{43})$/;
/** lastUsedAt is written at most this often per key, so that a busy script does not write on every call. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const isApiKey = (credential: string): boolean => credential.startsWith('trp_');

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: `trp_${row.prefix}`,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** Revocable keys for scripts; only a hash of each is stored and the key is shown once. */
export class ApiKeyService {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  async create(userId: string, name: string): Promise<CreatedApiKey> {
    const prefix = randomBytes(6).toString('hex');
    const key = `trp_${prefix}_${randomBytes(32).toString('base64url')}`;
    const [row] = await this.db
      .insert(apiKeys)
      .values({ userId, name, prefix, keyHash: sha256(key) })
      .returning();
    return { ...toApiKey(row!), key };
  }

  async list(userId: string): Promise<ApiKey[]> {
    const rows = await this.db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.userId, userId))
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
    return rows.map(toApiKey);
  }

  /** Revokes one of the user's keys; false when the user has no such key. Revoking twice is fine. */
  async revoke(userId: string, id: string): Promise<boolean> {
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: new Date(this.now()) })
      .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    if (row) return true;
    const [existing] = await this.db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)))
      .limit(1);
    return existing !== undefined;
  }

  /** The owner of a valid, unrevoked key; undefined for anything else. */
  async authenticate(key: string): Promise<string | undefined> {
    const match = KEY_FORMAT.exec(key);
    if (!match) return undefined;
    const [row] = await this.db.select().from(apiKeys).where(eq(apiKeys.prefix, match[1]!)).limit(1);
    if (!row || row.revokedAt !== null) return undefined;
    const given = Buffer.from(sha256(key), 'hex');
    const stored = Buffer.from(row.keyHash, 'hex');
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) return undefined;
    const now = new Date(this.now());
    await this.db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(apiKeys.id, row.id),
          or(
            isNull(apiKeys.lastUsedAt),
            lt(apiKeys.lastUsedAt, new Date(now.getTime() - LAST_USED_RESOLUTION_MS)),
          ),
        ),
      );
    return row.userId;
  }
}
