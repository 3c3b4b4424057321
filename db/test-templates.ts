// Migrated databases for tests, copied from a template instead of built each time.
//
// A fresh in-memory PGlite spends 3–7 s in initdb and migrations on this 2-core machine, a fresh
// Postgres database ≈ 1 s in migrations; the suite opens one or two per test file. Both are built
// once per state of db/migrations (and PGlite version) and then copied: PGlite as a data directory
// (`cp -r` ≈ 0.1 s, opened in ≈ 0.7 s), Postgres with `CREATE DATABASE … TEMPLATE` (≈ 0.1 s).
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createDb, migrate, migrationsFolder, type DbKind } from './client.ts';

/** What the templates are built from: every migration file and the PGlite release. */
function templateKey(): string {
  const hash = createHash('sha256');
  // The package's exports do not include its package.json; it sits in the project's node_modules.
  hash.update(readFileSync(join(import.meta.dirname, '../node_modules/@electric-sql/pglite/package.json')));
  for (const file of readdirSync(migrationsFolder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort()) {
    hash.update(file.slice(migrationsFolder.length));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 12);
}

const key = templateKey();
/** A finished PGlite template has this file; a half-built one never does. */
const COMPLETE = '.troupe-template-complete';
const pgliteTemplateDir = join(tmpdir(), `troupe-pglite-template-${key}`);
const postgresTemplateName = `troupe_template_${key}`;

const unique = () => `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

/** Builds the migrated PGlite data directory unless it exists; safe when two processes race. */
async function ensurePgliteTemplate(): Promise<void> {
  if (existsSync(join(pgliteTemplateDir, COMPLETE))) return;
  const building = `${pgliteTemplateDir}.building-${unique()}`;
  const handle = await createDb({ pgliteDir: building });
  try {
    await migrate(handle);
  } finally {
    await handle.close();
  }
  writeFileSync(join(building, COMPLETE), key);
  try {
    renameSync(building, pgliteTemplateDir);
  } catch {
    // Another process finished first: its template is as good as ours.
    rmSync(building, { recursive: true, force: true });
  }
}

/** Builds the migrated Postgres template database unless it exists; safe when two processes race. */
async function ensurePostgresTemplate(admin: postgres.Sql): Promise<void> {
  const found = await admin`select 1 from pg_database where datname = ${postgresTemplateName}`;
  if (found.length > 0) return;
  const building = `troupe_template_building_${unique()}`;
  await admin.unsafe(`create database "${building}"`);
  const url = new URL(adminUrl(admin));
  url.pathname = `/${building}`;
  const handle = await createDb({ databaseUrl: url.toString(), maxConnections: 1 });
  try {
    await migrate(handle);
  } finally {
    await handle.close();
  }
  try {
    await admin.unsafe(`alter database "${building}" rename to "${postgresTemplateName}"`);
  } catch {
    await admin.unsafe(`drop database if exists "${building}" with (force)`);
  }
}

const adminUrls = new WeakMap<postgres.Sql, string>();
const adminUrl = (admin: postgres.Sql): string => adminUrls.get(admin)!;

/** An admin connection to `url` that the template functions can name databases next to. */
export function templateAdmin(url: string): postgres.Sql {
  const admin = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  adminUrls.set(admin, url);
  return admin;
}

/** Builds whichever templates are missing (once per run, from the test projects' global setup). */
export async function ensureTemplates(kinds: readonly DbKind[], postgresAdminUrl: string): Promise<void> {
  if (kinds.includes('pglite')) await ensurePgliteTemplate();
  if (kinds.includes('postgres')) {
    const admin = templateAdmin(postgresAdminUrl);
    try {
      await ensurePostgresTemplate(admin);
    } finally {
      await admin.end({ timeout: 5 });
    }
  }
}

/** A fresh PGlite data directory holding a migrated database; remove it with `rmSync`. */
export async function copyPgliteTemplate(): Promise<string> {
  await ensurePgliteTemplate();
  const dir = join(tmpdir(), `troupe-test-pglite-${unique()}`);
  cpSync(pgliteTemplateDir, dir, { recursive: true });
  rmSync(join(dir, COMPLETE));
  return dir;
}

/** Creates database `name` as a copy of the migrated Postgres template. */
export async function createFromPostgresTemplate(admin: postgres.Sql, name: string): Promise<void> {
  await ensurePostgresTemplate(admin);
  await admin.unsafe(`create database "${name}" template "${postgresTemplateName}"`);
}
