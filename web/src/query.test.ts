import { describe, expect, it } from 'vitest';
import type { Character, SessionSummary } from '../../protocol/index.ts';
import {
  analyticsQueryString,
  catalogQueryString,
  defaultCatalogFilters,
  defaultHistoryFilters,
  historyQueryString,
  localDay,
  matchesCatalog,
  matchesHistory,
  tagCounts,
} from './query.ts';

function character(over: Partial<Character>): Character {
  return {
    id: 'ada',
    name: 'Ada Quill',
    tagline: 'A poet of the harbour',
    persona: { background: 'b', traits: ['wry'], interests: ['boats'], tone: 't', speakingStyle: 's' },
    greeting: 'Hello',
    avatarUrl: '/avatars/ada.svg',
    voice: {
      openai: { voice: 'alloy' },
      elevenlabs: { voiceId: 'x' },
      espeak: { voice: 'en-us', rate: 175, pitch: 50 },
    },
    builtIn: false,
    ownerId: '11111111-1111-4111-8111-111111111111',
    visibility: 'private',
    tags: ['poetry', 'sea'],
    description: 'Writes sonnets about fog.',
    ...over,
  };
}

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

describe('matchesCatalog', () => {
  const me = '11111111-1111-4111-8111-111111111111';

  it('when every search word is in the name, tagline, description or tags, then it matches', () => {
    const c = character({});
    expect(matchesCatalog(c, { ...defaultCatalogFilters, q: 'ADA fog' }, null)).toBe(true);
    expect(matchesCatalog(c, { ...defaultCatalogFilters, q: 'ada dragons' }, null)).toBe(false);
  });

  it('when tags are chosen, then the character must carry all of them', () => {
    const c = character({});
    expect(matchesCatalog(c, { ...defaultCatalogFilters, tags: ['sea'] }, null)).toBe(true);
    expect(matchesCatalog(c, { ...defaultCatalogFilters, tags: ['sea', 'cozy'] }, null)).toBe(false);
  });

  it('when a scope is chosen, then mine is the account’s own, built-in the built-ins, public the shared non-built-ins', () => {
    const own = character({});
    const builtIn = character({ builtIn: true, ownerId: null, visibility: 'public' });
    const shared = character({ ownerId: '22222222-2222-4222-8222-222222222222', visibility: 'public' });
    const f = (scope: 'mine' | 'builtin' | 'public') => ({ ...defaultCatalogFilters, scope });
    expect([own, builtIn, shared].map((c) => matchesCatalog(c, f('mine'), me))).toEqual([true, false, false]);
    expect(matchesCatalog(own, f('mine'), null)).toBe(false);
    expect([own, builtIn, shared].map((c) => matchesCatalog(c, f('builtin'), me))).toEqual([
      false,
      true,
      false,
    ]);
    expect([own, builtIn, shared].map((c) => matchesCatalog(c, f('public'), me))).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('when tags are counted, then the most common come first, ties alphabetically', () => {
    expect(tagCounts([character({ tags: ['sea', 'cozy'] }), character({ tags: ['sea', 'art'] })])).toEqual([
      { tag: 'sea', count: 2 },
      { tag: 'art', count: 1 },
      { tag: 'cozy', count: 1 },
    ]);
  });
});

describe('history filters', () => {
  const session = (over: Partial<SessionSummary>): SessionSummary => ({
    id: '33333333-3333-4333-8333-333333333333',
    mode: 'call',
    roomName: 'r',
    characterId: 'ada',
    ownerId: null,
    callerIdentity: 'c',
    status: 'ended',
    providers: null,
    createdAt: new Date(2025, 2, 10, 12).toISOString(),
    startedAt: null,
    endedAt: null,
    durationMs: null,
    ...over,
  });

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
    expect(matchesHistory(session({}), f)).toBe(true);
    expect(matchesHistory(session({ createdAt: new Date(2025, 2, 11, 0, 0, 1).toISOString() }), f)).toBe(
      false,
    );
    expect(matchesHistory(session({ characterId: 'theo' }), f)).toBe(false);
    expect(matchesHistory(session({ status: 'active' }), f)).toBe(false);
  });

  it('when nothing is filtered, then no query string and every session matches', () => {
    expect(historyQueryString(defaultHistoryFilters)).toBe('');
    expect(matchesHistory(session({}), defaultHistoryFilters)).toBe(true);
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
