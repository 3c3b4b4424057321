import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute, pathOf } from './router.ts';

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

  it('when the hash names the builder, history, a session, analytics or an invite, then that page', () => {
    expect(parseRoute('#/build')).toEqual({ name: 'build' });
    expect(parseRoute('#/build/my-ada')).toEqual({ name: 'build', characterId: 'my-ada' });
    expect(parseRoute('#/history')).toEqual({ name: 'history' });
    expect(parseRoute('#/history?character=theo')).toEqual({ name: 'history', characterId: 'theo' });
    expect(parseRoute('#/history?character=Not%20One')).toEqual({ name: 'history' });
    expect(parseRoute('#/history/6F9619FF-8B86-4d11-b42d-00c04fc964ff')).toEqual({
      name: 'session',
      sessionId: '6f9619ff-8b86-4d11-b42d-00c04fc964ff',
    });
    expect(parseRoute('#/analytics')).toEqual({ name: 'analytics' });
    expect(parseRoute('#/analytics/theo')).toEqual({ name: 'analytics', characterId: 'theo' });
    expect(parseRoute('#/join/AbC_def-0123456789')).toEqual({ name: 'join', code: 'AbC_def-0123456789' });
  });

  it('when those pages get a malformed id, then not found', () => {
    for (const bad of [
      '#/build/Bad Id',
      '#/history/not-a-uuid',
      '#/analytics/UPPER',
      '#/join/short',
      '#/join/a%2Fb',
    ])
      expect(parseRoute(bad).name, bad).toBe('notFound');
  });

  it('when signing in from the builder, history or analytics, then the sign-in page returns there, never to an invite', () => {
    expect(parseRoute('#/signin?next=%2Fbuild%2Fada')).toEqual({ name: 'signin', next: '/build/ada' });
    expect(parseRoute('#/signin?next=%2Fhistory')).toEqual({ name: 'signin', next: '/history' });
    expect(parseRoute('#/signin?next=%2Fjoin%2FAbC_def-0123456789')).toEqual({ name: 'signin' });
  });

  it('when a route is turned into an href and back, then it is the same route', () => {
    for (const r of [
      { name: 'catalog' },
      { name: 'call', characterId: 'theo' },
      { name: 'signin' },
      { name: 'signin', next: '/call/theo' },
      { name: 'build' },
      { name: 'build', characterId: 'theo' },
      { name: 'history' },
      { name: 'history', characterId: 'theo' },
      { name: 'session', sessionId: '6f9619ff-8b86-4d11-b42d-00c04fc964ff' },
      { name: 'analytics' },
      { name: 'analytics', characterId: 'theo' },
      { name: 'join', code: 'AbC_def-0123456789' },
    ] as const) {
      expect(parseRoute(hrefFor(r))).toEqual(r);
      expect(`#${pathOf(r)}`).toBe(hrefFor(r));
    }
  });
});
