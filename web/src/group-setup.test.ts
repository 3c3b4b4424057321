import { describe, expect, it } from 'vitest';
import { defaultGroupSetup, groupRequest, setupProblem, toggleCharacter } from './group-setup.ts';

const withCast = (ids: string[], extra = {}) => ({ ...defaultGroupSetup, characterIds: ids, ...extra });

describe('group call set-up', () => {
  it('when characters are ticked and unticked, then the cast keeps the order of choosing', () => {
    let ids = toggleCharacter([], 'walt', true);
    ids = toggleCharacter(ids, 'june', true);
    ids = toggleCharacter(ids, 'walt', true);
    expect(ids).toEqual(['walt', 'june']);
    expect(toggleCharacter(ids, 'walt', false)).toEqual(['june']);
  });

  it('when a seventh character is ticked, then it is not added', () => {
    const six = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(toggleCharacter(six, 'g', true)).toEqual(six);
  });

  it('when fewer than two characters are chosen, then Start is refused with the count', () => {
    expect(setupProblem(withCast(['june']))).toBe('Choose at least 2 characters (1 chosen).');
    expect(setupProblem(withCast(['june', 'walt']))).toBeNull();
  });

  it('when the floor rules are out of range, then the problem names the rule', () => {
    expect(setupProblem(withCast(['a', 'b'], { chainCap: 11 }))).toMatch(/^Chain length/);
    expect(setupProblem(withCast(['a', 'b'], { chainCap: Number.NaN }))).toMatch(/^Chain length/);
    expect(setupProblem(withCast(['a', 'b'], { pickup: true, pickupAfterS: 0 }))).toMatch(/^Pick-up/);
    // An unused pick-up delay does not matter.
    expect(setupProblem(withCast(['a', 'b'], { pickup: false, pickupAfterS: Number.NaN }))).toBeNull();
  });

  it('when the set-up is valid, then the request carries the cast, chain length, pick-up in ms and the name', () => {
    expect(
      groupRequest(
        withCast(['june', 'walt'], { chainCap: 0, pickup: true, pickupAfterS: 15, displayName: ' Host ' }),
      ),
    ).toEqual({
      mode: 'group',
      characterIds: ['june', 'walt'],
      settings: { chainCap: 0, pickupAfterMs: 15_000 },
      displayName: 'Host',
    });
    expect(groupRequest(withCast(['june', 'walt']))).toEqual({
      mode: 'group',
      characterIds: ['june', 'walt'],
      settings: { chainCap: 2, pickupAfterMs: null },
    });
  });
});
