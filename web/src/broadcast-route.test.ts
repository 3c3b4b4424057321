import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute } from './router.ts';

const id = '0b6c1f4e-9a51-4c1e-8d0b-2f7a3c9e5d11';

describe('broadcast routes', () => {
  it('when the address is #/broadcasts, #/broadcast/new or #/broadcast/<id>, then the broadcast pages are routed, and back', () => {
    expect(parseRoute('#/broadcasts')).toEqual({ name: 'broadcasts' });
    expect(parseRoute('#/broadcast/new')).toEqual({ name: 'broadcast', broadcastId: 'new' });
    expect(parseRoute(`#/broadcast/${id.toUpperCase()}`)).toEqual({ name: 'broadcast', broadcastId: id });
    expect(hrefFor({ name: 'broadcasts' })).toBe('#/broadcasts');
    expect(hrefFor({ name: 'broadcast', broadcastId: id })).toBe(`#/broadcast/${id}`);
    expect(parseRoute('#/broadcast/june').name).toBe('notFound');
  });

  it('when the stage URL carries a token and a LiveKit URL, then the stage page is routed', () => {
    expect(parseRoute(`#/stage/${id}?token=eyJ.a.b&url=ws%3A%2F%2F127.0.0.1%3A7880`)).toEqual({
      name: 'stage',
      broadcastId: id,
    });
    expect(parseRoute(`#/stage/${id}`)).toEqual({ name: 'stage', broadcastId: id });
  });

  it('when signing in from a broadcast page, then it is a place to return to, and the stage is not', () => {
    expect(parseRoute('#/signin?next=/broadcasts')).toEqual({ name: 'signin', next: '/broadcasts' });
    expect(parseRoute(`#/signin?next=/broadcast/${id}`)).toEqual({
      name: 'signin',
      next: `/broadcast/${id}`,
    });
    expect(parseRoute(`#/signin?next=/stage/${id}`)).toEqual({ name: 'signin' });
  });
});
