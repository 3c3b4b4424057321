import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { schema } from './schema.ts';

/** The Drizzle database both drivers satisfy; repositories take this and never know the driver. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DbKind = 'postgres' | 'pglite';

export interface DbHandle {
  db: Db;
  kind: DbKind;
  /** Ends the connection pool (postgres) or closes the embedded database (PGlite). */
  close(): Promise<void>;
}

export interface DbOptions {
  /**
   * A `postgres://` URL. When set the `postgres` driver is used; otherwise embedded PGlite.
   * @defaultValue undefined
   */
  databaseUrl?: string;
  /**
   * PGlite data directory, or `memory://` for a throwaway in-memory database.
   * A relative path is resolved against the current working directory.
   * @defaultValue 'data/pglite'
   */
  pgliteDir: string;
  /**
   * Most connections the postgres pool opens.
   * @defaultValue 10
   */
  maxConnections: number;
}

export const defaultDbOptions: DbOptions = {
  databaseUrl: undefined,
  pgliteDir: 'data/pglite',
  maxConnections: 10,
};

export const migrationsFolder = resolve(import.meta.dirname, 'migrations');

/**
 * How the API's pool behaves while the server is restarting or unreachable: a request fails fast
 * (and is answered 503, api/errors.ts) instead of queueing, and the pool reconnects on its own.
 * - `backoff`: the driver waits before re-opening a connection that failed, by default up to 20 s
 *   (3^retries / 100 s) after a longer outage, every query meanwhile waiting with it. Capped at 1 s.
 * - `connect_timeout`: a server that does not answer at all (a host that is gone) fails a request
 *   after 10 s rather than the driver's 30.
 * - `fetch_types: false`: the driver's array-type lookup on each new connection drops its promise,
 *   so when it fails (the server shutting down just then) the rejection goes unhandled and Node
 *   exits (porsager/postgres#1192). Drizzle writes and parses array literals itself.
 * (The driver also kept a dead backend's last error and failed the next connection's first query
 * with it: patches/postgres+3.4.9.patch.)
 */
const resilientPostgresOptions = {
  onnotice: () => {},
  backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  connect_timeout: 10,
  fetch_types: false,
} satisfies postgres.Options<Record<string, never>>;

/** Connection URLs stay out of the handle so that logging a handle can never print a password. */
const postgresUrls = new WeakMap<DbHandle, string>();

/**
 * Opens the database. PGlite's first query takes seconds and its memory is large: create one
 * handle per process and share it.
 */
export async function createDb(opts: Partial<DbOptions> = {}): Promise<DbHandle> {
  const o = { ...defaultDbOptions, ...stripUndefined(opts) };
  if (o.databaseUrl) {
    const client = postgres(o.databaseUrl, { ...resilientPostgresOptions, max: o.maxConnections });
    const handle: DbHandle = {
      db: drizzlePostgres(client, { schema }),
      kind: 'postgres',
      close: () => client.end({ timeout: 5 }),
    };
    postgresUrls.set(handle, o.databaseUrl);
    return handle;
  }
  if (!o.pgliteDir.startsWith('memory://')) mkdirSync(o.pgliteDir, { recursive: true });
  const client = await PGlite.create(o.pgliteDir);
  return {
    db: drizzlePglite(client, { schema }),
    kind: 'pglite',
    close: () => client.close(),
  };
}

/** Arbitrary constant key of the advisory lock that serialises migrations across API replicas. */
const MIGRATION_LOCK_KEY = 7_302_114_001;

/** Applies db/migrations with Drizzle's migrator for the handle's driver. */
export async function migrate(handle: DbHandle): Promise<void> {
  if (handle.kind === 'pglite') {
    // PGlite is in-process and single-connection: nothing else can migrate it concurrently.
    await migratePglite(handle.db as Parameters<typeof migratePglite>[0], { migrationsFolder });
    return;
  }
  const url = postgresUrls.get(handle);
  if (!url) throw new Error('migrate() needs a handle made by createDb()');
  // One connection, so the session-level advisory lock covers the migrator's own queries.
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const db = drizzlePostgres(client);
    await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      await migratePostgres(db, { migrationsFolder });
    } finally {
      await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`);
    }
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** Cheap round trip used by the health check. */
export async function pingDb(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
