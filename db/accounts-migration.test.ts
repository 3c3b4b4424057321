import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import pino from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService } from '../api/services/accounts.ts';
import { PasswordHasher } from '../api/services/passwords.ts';
import { createDb, migrate, migrationsFolder, type Db, type DbHandle } from './client.ts';
import { seedCharacters } from './seed.ts';
import { createTestDatabase, dbKinds, testCharacters, type TestDatabase } from './testing.ts';

// A database that was in use before accounts existed, migrated to them: old characters become
// public, old sessions keep a null owner until the operator takes them, and new rows must be owned.

async function rows(db: Db, query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(query)) as unknown;
  return Array.isArray(result) ? result : (result as { rows: Record<string, unknown>[] }).rows;
}

/** The migrations folder with only the first migration in its journal. */
function firstMigrationOnly(): string {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-migrations-'));
  cpSync(migrationsFolder, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: unknown[] };
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, 1) }));
  return dir;
}

/** The database's own complaint, wherever the driver put it. */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
    return `${err instanceof Error ? err.message : String(err)} ${cause}`;
  }
  return 'accepted';
}

const LEGACY_SESSION = '6d1f3f0e-8c3b-4a53-9d0e-2f6f1b1c0a01';
const NEW_SESSION = '6d1f3f0e-8c3b-4a53-9d0e-2f6f1b1c0a02';

describe.each(dbKinds)('migrating a database from before accounts on %s', (kind) => {
  let target: TestDatabase;
  let handle: DbHandle;
  const oldMigrations = firstMigrationOnly();

  beforeAll(async () => {
    target = await createTestDatabase(kind);
    handle = await createDb({ databaseUrl: target.databaseUrl, pgliteDir: target.pgliteDir });
    if (handle.kind === 'pglite') {
      await migratePglite(handle.db as Parameters<typeof migratePglite>[0], {
        migrationsFolder: oldMigrations,
      });
    } else {
      const client = postgres(target.databaseUrl!, { max: 1, onnotice: () => {} });
      await migratePostgres(drizzlePostgres(client), { migrationsFolder: oldMigrations });
      await client.end();
    }
    await handle.db.execute(sql`
      insert into characters (id, name, tagline, persona, greeting, avatar_url, voice, built_in)
      values ('legacy-lou', 'Lou', 'From before', '{}'::jsonb, 'Hi', '/a.svg', '{}'::jsonb, false)`);
    await handle.db.execute(sql`
      insert into sessions (id, mode, character_id, room_name, caller_identity, caller_name)
      values (${LEGACY_SESSION}, 'call', 'legacy-lou', 'call-legacy', 'caller-1', 'Caller')`);
    await migrate(handle);
  });
  afterAll(async () => {
    await handle?.close();
    await target?.drop();
    rmSync(oldMigrations, { recursive: true, force: true });
  });

  it('when migrated, then an old character is public and owned by no one', async () => {
    expect(
      await rows(handle.db, sql`select owner_id, visibility from characters where id = 'legacy-lou'`),
    ).toEqual([{ owner_id: null, visibility: 'public' }]);
  });

  it('when migrated, then an old session keeps a null owner and can still be ended', async () => {
    await handle.db.execute(sql`update sessions set status = 'ended' where id = ${LEGACY_SESSION}`);
    expect(
      await rows(handle.db, sql`select owner_id, status from sessions where id = ${LEGACY_SESSION}`),
    ).toEqual([{ owner_id: null, status: 'ended' }]);
  });

  it('when a new session without an owner is inserted, then the database refuses it', async () => {
    const answer = await refusal(
      handle.db.execute(sql`
        insert into sessions (id, mode, character_id, room_name, caller_identity, caller_name)
        values (${NEW_SESSION}, 'call', 'legacy-lou', 'call-new', 'caller-2', 'Caller')`),
    );
    expect(answer).toContain('sessions_owner_required');
  });

  it('when a private character without an owner is inserted, then the database refuses it', async () => {
    const answer = await refusal(
      handle.db.execute(sql`
        insert into characters (id, name, tagline, persona, greeting, avatar_url, voice, visibility)
        values ('orphan', 'O', 'T', '{}'::jsonb, 'Hi', '/a.svg', '{}'::jsonb, 'private')`),
    );
    expect(answer).toContain('characters_ownerless_public');
  });

  it('when the operator account is ensured, then it owns the old sessions', async () => {
    const accounts = new AccountService(handle.db, new PasswordHasher());
    const operator = await accounts.ensureOperator(
      { email: 'ops@example.test', password: 'operator-password' },
      pino({ level: 'silent' }),
    );
    expect(operator?.role).toBe('operator');
    expect(await rows(handle.db, sql`select owner_id from sessions where id = ${LEGACY_SESSION}`)).toEqual([
      { owner_id: operator!.id },
    ]);
  });

  it('when a seeded id collides with a character an account owns, then seeding leaves that character alone', async () => {
    const [owner] = await rows(handle.db, sql`select id from users limit 1`);
    await handle.db.execute(sql`
      insert into characters (id, name, tagline, persona, greeting, avatar_url, voice, owner_id)
      values (${testCharacters[1]!.id}, 'Mine', 'Mine', '{}'::jsonb, 'Hi', '/a.svg', '{}'::jsonb, ${owner!.id})`);
    await seedCharacters(handle.db, testCharacters);
    expect(
      await rows(
        handle.db,
        sql`select name, owner_id, visibility from characters where id = ${testCharacters[1]!.id}`,
      ),
    ).toEqual([{ name: 'Mine', owner_id: owner!.id, visibility: 'private' }]);
  });
});
