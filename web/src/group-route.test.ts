import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute } from './router.ts';

const id = '0b6c1f4e-9a51-4c1e-8d0b-2f7a3c9e5d11';

describe('group call routes', () => {
  it('when the address is #/group or #/group/<sessionId>, then the group page is routed, and back', () => {
    expect(parseRoute('#/group')).toEqual({ name: 'group' });
    expect(parseRoute('#/group/')).toEqual({ name: 'group' });
    expect(parseRoute(`#/group/${id.toUpperCase()}`)).toEqual({ name: 'group', sessionId: id });
    expect(hrefFor({ name: 'group' })).toBe('#/group');
    expect(hrefFor({ name: 'group', sessionId: id })).toBe(`#/group/${id}`);
  });

  it('when the session id is not a uuid, then the page is not found', () => {
    expect(parseRoute('#/group/june').name).toBe('notFound');
  });

  it('when signing in from the group page, then it is a place to return to', () => {
    expect(parseRoute('#/signin?next=/group')).toEqual({ name: 'signin', next: '/group' });
  });
});
