import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute } from './router.ts';

describe('parseRoute', () => {
  it('when the hash is empty or #/, then the catalog', () => {
    expect(parseRoute('')).toEqual({ name: 'catalog' });
    expect(parseRoute('#')).toEqual({ name: 'catalog' });
    expect(parseRoute('#/')).toEqual({ name: 'catalog' });
  });

  it('when the hash names a call, then the call page for that slug', () => {
    expect(parseRoute('#/call/marigold')).toEqual({ name: 'call', characterId: 'marigold' });
    expect(parseRoute('#/call/nana-ruth/')).toEqual({ name: 'call', characterId: 'nana-ruth' });
  });

  it('when the hash is anything else, then not found', () => {
    expect(parseRoute('#/call/')).toEqual({ name: 'notFound', path: '/call/' });
    expect(parseRoute('#/call/Bad Id')).toEqual({ name: 'notFound', path: '/call/Bad Id' });
    expect(parseRoute('#app')).toEqual({ name: 'notFound', path: 'app' });
  });

  it('when the hash is the sign-in page, then it keeps where to return to, if that is one of our pages', () => {
    expect(parseRoute('#/signin')).toEqual({ name: 'signin' });
    expect(parseRoute('#/signin?next=%2Fcall%2Fmarigold')).toEqual({
      name: 'signin',
      next: '/call/marigold',
    });
    expect(parseRoute('#/signin?next=%2F')).toEqual({ name: 'signin', next: '/' });
    for (const next of ['https://evil.example', '//evil.example', '/signin', '/nowhere', 'call/theo'])
      expect(parseRoute(`#/signin?next=${encodeURIComponent(next)}`), next).toEqual({ name: 'signin' });
  });

  it('when a route is turned into an href and back, then it is the same route', () => {
    for (const r of [
      { name: 'catalog' },
      { name: 'call', characterId: 'theo' },
      { name: 'signin' },
      { name: 'signin', next: '/call/theo' },
    ] as const) {
      expect(parseRoute(hrefFor(r))).toEqual(r);
    }
  });
});
