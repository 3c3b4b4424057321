import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { Character } from '../protocol/index.ts';
import { createDb, migrate, migrationsFolder, type Db, type DbHandle } from './client.ts';
import { characters } from './schema.ts';
import { seedCharacters } from './seed.ts';
import { builtInCharacters } from './seed/companions.ts';
import { asSeeded, createTestDatabase, dbKinds, testCharacters } from './testing.ts';

/** Migrations checked in under db/migrations, from drizzle-kit's journal. */
const MIGRATION_COUNT = (
  JSON.parse(readFileSync(join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }
).entries.length;

/** `execute` returns an array (postgres-js) or `{rows}` (PGlite). */
async function rows(db: Db, query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(query)) as unknown;
  return Array.isArray(result) ? result : (result as { rows: Record<string, unknown>[] }).rows;
}

const storedCharacter = async (db: Db, id: string) => {
  const [row] = await db.select().from(characters).where(eq(characters.id, id));
  return row;
};

describe.each(dbKinds)('database on %s', (kind) => {
  let handle: DbHandle;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    // From nothing, every migration in order (the other tests start from a migrated copy).
    const target = await createTestDatabase(kind);
    handle = await createDb({ databaseUrl: target.databaseUrl, pgliteDir: target.pgliteDir });
    cleanup = async () => {
      await handle.close();
      await target.drop();
    };
    await migrate(handle);
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('when opened, then the handle names its driver', () => {
    expect(handle.kind).toBe(kind);
  });

  it('when migrations run again, then nothing is applied twice', async () => {
    await migrate(handle);
    const applied = await rows(handle.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(applied[0]?.n).toBe(MIGRATION_COUNT);
    const tables = await rows(
      handle.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual([
      'api_keys',
      'broadcasts',
      'character_avatars',
      'characters',
      'control_commands',
      'invites',
      'knowledge_chunks',
      'knowledge_documents',
      'knowledge_entries',
      'library_imports',
      'memories',
      'messages',
      'session_character_engagement',
      'session_characters',
      'session_engagement',
      'session_participants',
      'session_terms',
      'sessions',
      'turn_signals',
      'users',
    ]);
  });

  it('when characters are seeded twice with an edit, then the row is updated in place', async () => {
    await seedCharacters(handle.db, testCharacters);
    const before = await storedCharacter(handle.db, 'test-ada');
    const edited = { ...testCharacters[0]!, tagline: 'An edited tagline' };
    await seedCharacters(handle.db, [edited, testCharacters[1]!]);
    const after = await storedCharacter(handle.db, 'test-ada');
    expect(after?.tagline).toBe('An edited tagline');
    expect(after?.createdAt).toEqual(before?.createdAt);
    expect(after!.updatedAt.getTime()).toBeGreaterThanOrEqual(before!.updatedAt.getTime());
    const count = await rows(
      handle.db,
      sql`select count(*)::int as n from characters where id like 'test-%'`,
    );
    expect(count[0]?.n).toBe(2);
  });

  it('when a character is invalid, then seeding throws before writing anything', async () => {
    const bad = { ...testCharacters[0]!, id: 'test-new', name: '' };
    await expect(seedCharacters(handle.db, [testCharacters[1]!, bad])).rejects.toBeInstanceOf(ZodError);
    expect(await storedCharacter(handle.db, 'test-new')).toBeUndefined();
  });

  it('when the built-in companions are seeded, then each one reads back unchanged', async () => {
    expect(await seedCharacters(handle.db, builtInCharacters)).toBe(builtInCharacters.length);
    for (const c of builtInCharacters) {
      const row = await storedCharacter(handle.db, c.id);
      expect(Character.parse({ ...row })).toEqual(asSeeded(c));
    }
  });
});

describe('database on postgres, at scale', () => {
  it('when two API replicas migrate a fresh database at once, then both succeed', async () => {
    const target = await createTestDatabase('postgres');
    const a = await createDb({ databaseUrl: target.databaseUrl });
    const b = await createDb({ databaseUrl: target.databaseUrl });
    try {
      await Promise.all([migrate(a), migrate(b)]);
      expect(await rows(a.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`)).toEqual([
        { n: MIGRATION_COUNT },
      ]);
    } finally {
      await a.close();
      await b.close();
      await target.drop();
    }
  });
});

describe('database on pglite, on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-pglite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when the data directory is reopened, then what was written is still there', async () => {
    const first = await createDb({ pgliteDir: join(dir, 'nested', 'data') });
    await migrate(first);
    await seedCharacters(first.db, testCharacters);
    await first.close();
    const second = await createDb({ pgliteDir: join(dir, 'nested', 'data') });
    try {
      await migrate(second);
      expect((await storedCharacter(second.db, 'test-bob'))?.name).toBe('Bob Test');
    } finally {
      await second.close();
    }
  });
});
