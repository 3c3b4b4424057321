// Keyset pagination: a page ends at a row's sort key, and the next page starts strictly after it.
// Unlike offsets, a row inserted before the cursor neither repeats nor hides a row on later pages.
import { and, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { BadRequestError } from '../errors.ts';

/** One column of an ordering. The last key must be unique (an id) so that the order is total. */
export interface SortKey {
  expr: SQL | AnyColumn;
  dir: 'asc' | 'desc';
  /** The SQL type the key's text form is cast back to when compared. */
  cast: 'text' | 'boolean' | 'bigint' | 'timestamptz' | 'uuid';
}

/** ORDER BY terms for the keys. */
export function orderTerms(keys: readonly SortKey[]): SQL[] {
  return keys.map((k) => (k.dir === 'asc' ? sql`${k.expr} asc` : sql`${k.expr} desc`));
}

/**
 * The keys as text, to select beside the row and put in the cursor. Timestamps keep their
 * microseconds this way (a JS Date would drop them and make the next page repeat a row).
 */
export function keyColumns(keys: readonly SortKey[]): Record<string, SQL<string>> {
  return Object.fromEntries(keys.map((k, i) => [`k${i}`, sql<string>`(${k.expr})::text`]));
}

/** Rows strictly after `values` in the keys' order: (a > x) or (a = x and b > y) or … */
export function after(keys: readonly SortKey[], values: readonly string[]): SQL {
  const branches = keys.map((k, i) => {
    const value = sql`cast(${values[i]} as ${sql.raw(k.cast)})`;
    const equalBefore = keys
      .slice(0, i)
      .map((p, j) => sql`${p.expr} = cast(${values[j]} as ${sql.raw(p.cast)})`);
    const beyond = k.dir === 'asc' ? sql`${k.expr} > ${value}` : sql`${k.expr} < ${value}`;
    return and(...equalBefore, beyond)!;
  });
  return or(...branches)!;
}

/** An opaque cursor: the ordering's name and the last row's keys, base64url JSON. */
export function encodeCursor(order: string, values: readonly string[]): string {
  return Buffer.from(JSON.stringify([order, ...values]), 'utf8').toString('base64url');
}

const KEY_FORMS: Record<SortKey['cast'], RegExp> = {
  // Postgres text cannot hold NUL; anything else may be a name.
  text: /^(?!.*\0).{0,512}$/su,
  boolean: /^(true|false)$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  bigint: /^\d{1,18}$/,
  // Postgres' text form of a timestamptz: `2030-01-01 12:00:00.123456+00`.
  timestamptz: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2}$/,
};

/**
 * The keys in a cursor made for `order` with `keys`; a 400 for anything else (another order, a
 * forged or damaged value), checked here so that no cast can fail in the database.
 */
export function decodeCursor(cursor: string, order: string, keys: readonly SortKey[]): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const values = Array.isArray(parsed) && parsed[0] === order ? parsed.slice(1) : [];
  const valid =
    values.length === keys.length &&
    values.every((v, i) => typeof v === 'string' && KEY_FORMS[keys[i]!.cast].test(v));
  if (!valid) throw new BadRequestError('cursor is not one this API gave out for this sort');
  return values as string[];
}

/** `like` pattern matching `text` anywhere, with its own wildcards taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}
