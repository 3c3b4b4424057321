import { describe, expect, it } from 'vitest';
import {
  canSeeCharacter,
  characterAccess,
  sessionAccess,
  type CharacterAction,
  type CharacterFacts,
  type Decision,
  type Principal,
  type SessionAction,
} from './access.ts';

const A: Principal = { id: 'a', role: 'user', via: 'token' };
const B: Principal = { id: 'b', role: 'user', via: 'api_key' };
const OP: Principal = { id: 'op', role: 'operator', via: 'token' };
const who = { anonymous: undefined, A, B, operator: OP } as const;
type Who = keyof typeof who;

const characters: Record<string, CharacterFacts> = {
  'A private': { ownerId: 'a', visibility: 'private', builtIn: false },
  'A public': { ownerId: 'a', visibility: 'public', builtIn: false },
  'built-in': { ownerId: null, visibility: 'public', builtIn: true },
  'seeded, not built-in': { ownerId: null, visibility: 'public', builtIn: false },
};

//                  character              action    anonymous          A          B            operator
const characterTable: [string, CharacterAction, Decision, Decision, Decision, Decision][] = [
  ['A private', 'read', 'not_found', 'allow', 'not_found', 'allow'],
  ['A private', 'call', 'unauthenticated', 'allow', 'not_found', 'allow'],
  ['A private', 'write', 'unauthenticated', 'allow', 'not_found', 'forbidden'],
  ['A public', 'read', 'allow', 'allow', 'allow', 'allow'],
  ['A public', 'call', 'unauthenticated', 'allow', 'allow', 'allow'],
  ['A public', 'write', 'unauthenticated', 'allow', 'forbidden', 'forbidden'],
  ['built-in', 'read', 'allow', 'allow', 'allow', 'allow'],
  ['built-in', 'call', 'unauthenticated', 'allow', 'allow', 'allow'],
  ['built-in', 'write', 'unauthenticated', 'forbidden', 'forbidden', 'forbidden'],
  ['seeded, not built-in', 'write', 'unauthenticated', 'forbidden', 'forbidden', 'forbidden'],
];

describe('characterAccess', () => {
  it.each(
    characterTable.flatMap(([character, action, ...decisions]) =>
      (Object.keys(who) as Who[]).map((w, i) => [w, action, character, decisions[i]!] as const),
    ),
  )('when %s wants to %s the %s character, then %s', (w, action, character, decision) => {
    expect(characterAccess(who[w], characters[character]!, action)).toBe(decision);
  });

  it.each(Object.keys(characters))(
    'when a %s character is read, then canSeeCharacter agrees with the decision',
    (c) => {
      for (const w of Object.keys(who) as Who[])
        expect(canSeeCharacter(who[w], characters[c]!)).toBe(
          characterAccess(who[w], characters[c]!, 'read') === 'allow',
        );
    },
  );

  it('when a private character has no owner (not possible in the database), then only operators see it', () => {
    const orphan: CharacterFacts = { ownerId: null, visibility: 'private', builtIn: false };
    expect(canSeeCharacter(A, orphan)).toBe(false);
    expect(canSeeCharacter(OP, orphan)).toBe(true);
  });
});

//                 session           action   anonymous          A          B            operator
const sessionTable: [string | null, SessionAction, Decision, Decision, Decision, Decision][] = [
  ['a', 'read', 'unauthenticated', 'allow', 'not_found', 'allow'],
  ['a', 'end', 'unauthenticated', 'allow', 'not_found', 'allow'],
  ['a', 'join', 'unauthenticated', 'allow', 'not_found', 'forbidden'],
  [null, 'read', 'unauthenticated', 'not_found', 'not_found', 'allow'],
  [null, 'join', 'unauthenticated', 'not_found', 'not_found', 'forbidden'],
];

describe('sessionAccess', () => {
  it.each(
    sessionTable.flatMap(([ownerId, action, ...decisions]) =>
      (Object.keys(who) as Who[]).map(
        (w, i) => [w, action, ownerId === null ? 'an ownerless' : "A's", ownerId, decisions[i]!] as const,
      ),
    ),
  )('when %s wants to %s %s session, then %s', (w, action, _label, ownerId, decision) => {
    expect(sessionAccess(who[w], { ownerId }, action)).toBe(decision);
  });
});
