// Test support shared by api/ and db/ tests: real databases only, never mocks.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type postgres from 'postgres';
import { builderDefaults, type Character } from '../protocol/index.ts';
import { createDb, migrate, type DbHandle, type DbKind } from './client.ts';
import { copyPgliteTemplate, createFromPostgresTemplate, templateAdmin } from './test-templates.ts';

/** An existing database the tests may connect to in order to create and drop their own. */
export const testPostgresAdminUrl =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const dbKinds: readonly DbKind[] = ['postgres', 'pglite'];

export interface TestDatabase {
  /** `postgres://…/troupe_test_…` for postgres, `undefined` for PGlite. */
  databaseUrl: string | undefined;
  pgliteDir: string;
  /** Drops the database (postgres) or removes its PGlite directory (nothing for in-memory PGlite). */
  drop(): Promise<void>;
}

/**
 * A fresh, uniquely named Postgres database, or in-memory PGlite. Fails (never skips) with a
 * message naming PostgreSQL when the server cannot be reached.
 */
export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'pglite') return { databaseUrl: undefined, pgliteDir: 'memory://', drop: async () => {} };
  return createPostgresDatabase((admin, name) => admin.unsafe(`create database "${name}"`).then(() => {}));
}

/** A uniquely named Postgres database made by `create`, with the error that names PostgreSQL. */
async function createPostgresDatabase(
  create: (admin: postgres.Sql, name: string) => Promise<void>,
): Promise<TestDatabase> {
  const name = `troupe_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = templateAdmin(testPostgresAdminUrl);
  try {
    await create(admin, name);
  } catch (err) {
    await admin.end({ timeout: 1 }).catch(() => {});
    throw new Error(
      `PostgreSQL is required for these tests: could not create a database through ${redactUrl(testPostgresAdminUrl)} ` +
        `(set TEST_POSTGRES_URL to another server): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const url = new URL(testPostgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    pgliteDir: 'memory://',
    drop: async () => {
      try {
        await admin.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}

/**
 * A fresh database of the given kind with every migration applied, copied from a template built
 * once per state of db/migrations (db/test-templates.ts): what most tests start from.
 */
export async function createMigratedTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const dir = await copyPgliteTemplate();
    return { databaseUrl: undefined, pgliteDir: dir, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  return createPostgresDatabase((admin, name) => createFromPostgresTemplate(admin, name));
}

/** A migrated database of the given kind; `cleanup()` closes it and drops it. */
export async function openTestDb(kind: DbKind): Promise<{ handle: DbHandle; cleanup(): Promise<void> }> {
  const target = await createMigratedTestDatabase(kind);
  const handle = await createDb({ databaseUrl: target.databaseUrl, pgliteDir: target.pgliteDir });
  // Already migrated: this only confirms it, as the API does at start.
  await migrate(handle);
  return {
    handle,
    cleanup: async () => {
      await handle.close();
      await target.drop();
    },
  };
}

function redactUrl(u: string): string {
  const url = new URL(u);
  if (url.password) url.password = '***';
  return url.toString();
}

/** A seeded character as the API returns it: owned by no account, seen by everyone. */
export const asSeeded = (c: Character): Character => ({
  ...builderDefaults,
  ...c,
  ownerId: null,
  visibility: 'public',
});

/** Two small characters so tests do not depend on the built-in companions' content. */
export const testCharacters: Character[] = [
  {
    id: 'test-ada',
    name: 'Ada Test',
    tagline: 'A test companion who likes engines',
    persona: {
      background: 'Ada exists only in tests.',
      traits: ['precise'],
      interests: ['engines'],
      tone: 'dry',
      speakingStyle: 'Short sentences.',
    },
    greeting: 'Hello, test.',
    avatarUrl: '/avatars/test-ada.svg',
    voice: {
      openai: { voice: 'alloy' },
      elevenlabs: { voiceId: 'test-voice-1' },
      espeak: { voice: 'en-gb', variant: 'f3', rate: 170, pitch: 60 },
    },
    builtIn: true,
  },
  {
    id: 'test-bob',
    name: 'Bob Test',
    tagline: 'A test companion who likes boats',
    persona: {
      background: 'Bob exists only in tests.',
      traits: ['calm'],
      interests: ['boats'],
      tone: 'warm',
      speakingStyle: 'Long sentences.',
    },
    greeting: 'Ahoy, test.',
    avatarUrl: '/avatars/test-bob.svg',
    voice: {
      openai: { voice: 'echo' },
      elevenlabs: { voiceId: 'test-voice-2' },
      espeak: { voice: 'en-us', rate: 150, pitch: 40 },
    },
    builtIn: false,
  },
];
