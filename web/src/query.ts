import type { Character, CharacterScope, CharacterSort, SessionStatus } from '../../protocol/index.ts';

/**
 * Query strings of the list endpoints. The API applies every filter (and refuses a parameter it
 * does not know), so the pages show its answers as they are.
 */

/** What the catalog asks `GET /api/characters` for. */
export interface CatalogFilters {
  q: string;
  tags: readonly string[];
  scope: CharacterScope;
  /** Left out: the API's default order (built-ins first, then by name). */
  sort?: CharacterSort;
}

export const defaultCatalogFilters: CatalogFilters = { q: '', tags: [], scope: 'all' };

function toQuery(params: URLSearchParams): string {
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** `?q=…&tag=…&tag=…&scope=…&sort=…&limit=…&cursor=…`, leaving out what is empty or default. */
export function catalogQueryString(
  f: CatalogFilters,
  page: { limit?: number; cursor?: string } = {},
): string {
  const p = new URLSearchParams();
  const q = f.q.trim();
  if (q !== '') p.set('q', q);
  for (const tag of f.tags) p.append('tag', tag);
  if (f.scope !== 'all') p.set('scope', f.scope);
  if (f.sort !== undefined) p.set('sort', f.sort);
  if (page.limit !== undefined) p.set('limit', String(page.limit));
  if (page.cursor !== undefined) p.set('cursor', page.cursor);
  return toQuery(p);
}

/** Every tag the listed characters carry, most common first, then alphabetically. */
export function tagCounts(characters: readonly Character[]): Array<{ tag: string; count: number }> {
  const counts = new Map<string, number>();
  for (const c of characters) for (const t of c.tags ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts.entries()]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag));
}

/** What the history page asks `GET /api/sessions` for; dates are `YYYY-MM-DD` in local time. */
export interface HistoryFilters {
  characterId: string;
  status: SessionStatus | '';
  /** First day included. */
  from: string;
  /** Last day included. */
  to: string;
}

export const defaultHistoryFilters: HistoryFilters = { characterId: '', status: '', from: '', to: '' };

/** Midnight at the start of a local `YYYY-MM-DD`, plus `days`; null for anything else. */
export function localDay(date: string, days = 0): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + days);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `?characterId=…&status=…&from=<ISO>&to=<ISO>&limit=…&cursor=…`; `to` is the end of its day. */
export function historyQueryString(
  f: HistoryFilters,
  page: { limit?: number; cursor?: string } = {},
): string {
  const p = new URLSearchParams();
  if (f.characterId !== '') p.set('characterId', f.characterId);
  if (f.status !== '') p.set('status', f.status);
  const from = localDay(f.from);
  const to = localDay(f.to, 1);
  if (from !== null) p.set('from', from.toISOString());
  if (to !== null) p.set('to', to.toISOString());
  if (page.limit !== undefined) p.set('limit', String(page.limit));
  if (page.cursor !== undefined) p.set('cursor', page.cursor);
  return toQuery(p);
}

/** The analytics range picker's choices, in days. */
export const analyticsRanges = [7, 30, 90] as const;
export type AnalyticsRangeDays = (typeof analyticsRanges)[number];

/** `?from=<ISO>&to=<ISO>` covering the last `days` days up to `now`. */
export function analyticsQueryString(days: number, now: Date = new Date()): string {
  const from = new Date(now.getTime() - days * 24 * 3600 * 1000);
  return toQuery(new URLSearchParams({ from: from.toISOString(), to: now.toISOString() }));
}
