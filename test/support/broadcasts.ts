// Broadcast test support: secrets distinctive enough to search for, and every stored text.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';

/** Secrets no other value could contain by chance. */
export function testSecrets() {
  const tag = randomBytes(8).toString('hex');
  return {
    twitchKey: `test-twitch-key-${tag}`,
    chatToken: `test-chat-token-${tag}`,
    youtubeKey: `test-youtube-key-${tag}`,
    replacementKey: `test-replaced-key-${tag}`,
  };
}

async function rows(db: Db, query: ReturnType<typeof sql>): Promise<Record<string, unknown>[]> {
  const result = (await db.execute(query)) as unknown;
  return Array.isArray(result) ? result : (result as { rows: Record<string, unknown>[] }).rows;
}

/** Every text, varchar and jsonb value of every table in the public schema, as text. */
export async function dumpTextColumns(db: Db): Promise<string[]> {
  const columns = await rows(
    db,
    sql`select table_name, column_name from information_schema.columns
        where table_schema = 'public' and data_type in ('text', 'character varying', 'jsonb', 'json')`,
  );
  const values: string[] = [];
  for (const c of columns) {
    const table = String(c.table_name);
    const column = String(c.column_name);
    const found = await rows(
      db,
      sql`select ${sql.identifier(column)}::text as v from ${sql.identifier(table)} where ${sql.identifier(column)} is not null`,
    );
    values.push(...found.map((r) => `${table}.${column}=${String(r.v)}`));
  }
  return values;
}
