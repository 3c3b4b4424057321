import { encodeCursor, type SortKey } from './keyset.ts';

/**
 * One page out of rows fetched `limit + 1` at a time, each beside its `keyColumns(keys)`: the first
 * `limit` rows, and the cursor after the last of them when the extra row shows that more follow.
 */
export function keysetPage<R extends { row: unknown }>(
  fetched: readonly R[],
  limit: number,
  order: string,
  keys: readonly SortKey[],
): { rows: R['row'][]; nextCursor: string | null } {
  const page = fetched.slice(0, limit);
  const last = page.at(-1) as Record<string, unknown> | undefined;
  return {
    rows: page.map((r) => r.row),
    nextCursor:
      fetched.length > limit && last
        ? encodeCursor(
            order,
            keys.map((_, i) => String(last[`k${i}`])),
          )
        : null,
  };
}
