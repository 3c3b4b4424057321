import { describe, expect, it } from 'vitest';
import { testCharacter } from '../../protocol/testing.ts';
import {
  analyticsQueryString,
  catalogQueryString,
  defaultCatalogFilters,
  defaultHistoryFilters,
  historyQueryString,
  localDay,
  tagCounts,
} from './query.ts';

describe('catalogQueryString', () => {
  it('when nothing is filtered, then no query string', () => {
    expect(catalogQueryString(defaultCatalogFilters)).toBe('');
  });

  it('when filters and a page are given, then each appears once, tags repeated, the search trimmed', () => {
    const qs = catalogQueryString(
      { q: '  sea poet ', tags: ['cozy', 'sea'], scope: 'mine', sort: 'newest' },
      { limit: 24, cursor: 'abc/=' },
    );
    const p = new URLSearchParams(qs.slice(1));
    expect(qs.startsWith('?')).toBe(true);
    expect(p.get('q')).toBe('sea poet');
    expect(p.getAll('tag')).toEqual(['cozy', 'sea']);
    expect(p.get('scope')).toBe('mine');
    expect(p.get('sort')).toBe('newest');
    expect(p.get('limit')).toBe('24');
    expect(p.get('cursor')).toBe('abc/=');
  });
});

describe('tagCounts', () => {
  it('when tags are counted, then the most common come first, ties alphabetically', () => {
    expect(
      tagCounts([testCharacter({ tags: ['sea', 'cozy'] }), testCharacter({ tags: ['sea', 'art'] })]),
    ).toEqual([
      { tag: 'sea', count: 2 },
      { tag: 'art', count: 1 },
      { tag: 'cozy', count: 1 },
    ]);
  });
});

describe('history filters', () => {
  it('when a date is not YYYY-MM-DD, then it is no date', () => {
    expect(localDay('2025-3-1')).toBeNull();
    expect(localDay('')).toBeNull();
    expect(localDay('2025-03-01', 1)?.getDate()).toBe(2);
  });

  it('when filtered by dates, then `to` includes its whole day and the query carries ISO instants', () => {
    const f = {
      ...defaultHistoryFilters,
      characterId: 'ada',
      status: 'ended' as const,
      from: '2025-03-10',
      to: '2025-03-10',
    };
    const p = new URLSearchParams(historyQueryString(f, { limit: 25 }).slice(1));
    expect(p.get('characterId')).toBe('ada');
    expect(p.get('status')).toBe('ended');
    expect(p.get('from')).toBe(new Date(2025, 2, 10).toISOString());
    expect(p.get('to')).toBe(new Date(2025, 2, 11).toISOString());
    expect(p.get('limit')).toBe('25');
  });

  it('when nothing is filtered, then no query string', () => {
    expect(historyQueryString(defaultHistoryFilters)).toBe('');
  });
});

describe('analyticsQueryString', () => {
  it('when a range in days is chosen, then from is that many days before now', () => {
    const now = new Date('2025-03-31T12:00:00.000Z');
    expect(analyticsQueryString(7, now)).toBe(
      '?from=2025-03-24T12%3A00%3A00.000Z&to=2025-03-31T12%3A00%3A00.000Z',
    );
  });
});
