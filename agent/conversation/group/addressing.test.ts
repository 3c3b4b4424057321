import { describe, expect, it } from 'vitest';
import {
  addressingHeuristic,
  findMentions,
  namedAddressees,
  namesOf,
  type AddressingContext,
  type NamedCharacter,
} from './addressing.ts';

const cast: NamedCharacter[] = [
  { id: 'ada', name: 'Ada Quill' },
  { id: 'bob', name: 'Bob Hart', aliases: ['Bobby'] },
  { id: 'gale', name: 'Captain Barnaby Gale' },
  { id: 'pryce', name: 'Dr Agatha Pryce' },
];

describe('namedAddressees', () => {
  const cases: Array<[string, string, string[]]> = [
    ['a vocative first name at the start', 'Ada, what do you think?', ['ada']],
    ['a vocative name at the end of a question', 'What do you think, Bob?', ['bob']],
    ['a lower-case name after a greeting', 'hey bob, are you there', ['bob']],
    ['a name in passing with a possessive', "I love Ada's hat.", ['ada']],
    ['two names in passing (the one named last)', 'Did you hear what Ada told Bob', ['bob']],
    ['a vocative ahead of a later name in passing', 'Bob, I think Ada is wrong.', ['bob']],
    ['a vocative list of names (in the order said)', 'Ada and Bob, what do you both think?', ['ada', 'bob']],
    ['a title alone', 'Captain, where are we headed?', ['gale']],
    ['a first name after a title, without a comma', 'Barnaby what do you think', ['gale']],
    ['a title with a dot and a last name', 'Dr. Pryce, is it serious?', ['pryce']],
    ['a first name exclaimed', 'Agatha!', ['pryce']],
    ['an alias', 'Bobby, come on.', ['bob']],
    ['the full name', 'I asked Captain Barnaby Gale about it.', ['gale']],
    ['a name inside a longer word', 'the adamant bobsled team', []],
    ['a last name alone (common words are not names)', 'a gale blew over the hart', []],
    ['no names at all', 'what a lovely day', []],
  ];
  it.each(cases)('when the utterance has %s, then the addressees are as expected', (_, text, expected) => {
    expect(namedAddressees(text, cast)).toEqual(expected);
  });

  it('when two characters share a first name, then that name alone addresses nobody but full names still do', () => {
    const twins: NamedCharacter[] = [
      { id: 'sam-a', name: 'Sam Archer' },
      { id: 'sam-b', name: 'Sam Baker' },
    ];
    expect(namedAddressees('Sam, hi!', twins)).toEqual([]);
    expect(namedAddressees('Sam Baker, hi!', twins)).toEqual(['sam-b']);
  });
});

describe('findMentions', () => {
  it('when a name is said as a possessive, then it is a mention in passing and not vocative', () => {
    const [mention] = findMentions("Ada's idea, Bob?", cast);
    expect(mention).toMatchObject({ characterId: 'ada', possessive: true, vocative: false, said: 'Ada' });
  });

  it('when names overlap (full name, first name, title), then the longest is kept once', () => {
    const mentions = findMentions('Captain Barnaby Gale, ahoy!', cast);
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toMatchObject({ characterId: 'gale', vocative: true, said: 'Captain Barnaby Gale' });
  });

  it('when a sentence-start name is followed by a statement, then it is not vocative', () => {
    expect(findMentions('Bob is great at chess.', cast)[0]?.vocative).toBe(false);
  });
});

describe('namesOf', () => {
  it('when a name has a title, then title forms and the first name count but the last name alone does not', () => {
    expect(namesOf({ id: 'gale', name: 'Captain Barnaby Gale' })).toEqual(
      expect.arrayContaining(['Captain Barnaby Gale', 'Barnaby Gale', 'Captain Gale', 'Captain', 'Barnaby']),
    );
    expect(namesOf({ id: 'gale', name: 'Captain Barnaby Gale' })).not.toContain('Gale');
  });
});

describe('addressingHeuristic', () => {
  const afterAda: AddressingContext = { recentCharacters: ['ada', 'bob'], previousCharacter: 'ada' };
  const afterHuman: AddressingContext = { recentCharacters: ['ada', 'bob'], previousCharacter: null };
  const cases: Array<[string, string, AddressingContext, ReturnType<typeof addressingHeuristic>]> = [
    [
      'second person right after a character',
      'What do you think about that?',
      afterAda,
      { kind: 'previous', characterId: 'ada' },
    ],
    ['second person after another human', 'What do you think about that?', afterHuman, { kind: 'none' }],
    [
      'a short question right after a character',
      'Really?',
      afterAda,
      { kind: 'previous', characterId: 'ada' },
    ],
    ['"everyone"', 'Everyone, say hi!', afterAda, { kind: 'group', count: 'all' }],
    ['"all of you"', 'What do all of you think?', afterHuman, { kind: 'group', count: 'all' }],
    ['"you two"', 'What about you two?', afterAda, { kind: 'group', count: 2 }],
    ['"both of you"', 'I think both of you are wrong.', afterHuman, { kind: 'group', count: 2 }],
    ['a statement with no second person', 'I had pizza for lunch today.', afterAda, { kind: 'none' }],
  ];
  it.each(cases)('when the utterance is %s, then the addressing is as expected', (_, text, ctx, expected) => {
    expect(addressingHeuristic(text, ctx)).toEqual(expected);
  });
});
