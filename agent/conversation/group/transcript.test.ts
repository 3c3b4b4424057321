import { describe, expect, it } from 'vitest';
import { testCharacters } from '../../../db/testing.ts';
import type { Character } from '../../../protocol/index.ts';
import { GroupTranscript, groupInstructions } from './transcript.ts';

const roles = (t: GroupTranscript, id: string) =>
  t.chatContextFor(id).items.map((i) => (i.type === 'message' ? [i.role, i.textContent] : [i.type]));

describe('group transcript', () => {
  it("when a character's context is built, then its own lines are the assistant's and everyone else's are named user lines", () => {
    const t = new GroupTranscript();
    t.add({ speaker: 'caller-1', name: 'Sam', role: 'human', text: 'June, what do you like?' });
    t.add({ speaker: 'june', name: 'June Ray', role: 'character', text: 'Dancing!' });
    t.add({ speaker: 'walt', name: 'Walt Brennan', role: 'character', text: 'Fishing,  myself.' });
    expect(roles(t, 'june')).toEqual([
      ['user', 'Sam: June, what do you like?'],
      ['assistant', 'Dancing!'],
      ['user', 'Walt Brennan: Fishing, myself.'],
    ]);
    expect(roles(t, 'walt')).toEqual([
      ['user', 'Sam: June, what do you like?'],
      ['user', 'June Ray: Dancing!'],
      ['assistant', 'Fishing, myself.'],
    ]);
  });

  it('when lines are blank or past the limit, then blanks are dropped and the oldest go first', () => {
    const t = new GroupTranscript({ maxLines: 2 });
    for (const text of ['one', '  ', 'two', 'three'])
      t.add({ speaker: 'caller-1', name: 'Sam', role: 'human', text });
    expect(t.lines.map((l) => l.text)).toEqual(['two', 'three']);
  });

  it('when instructions are written for a group, then they name the other characters and not the speaker', () => {
    const [ada, bob] = testCharacters as [Character, Character];
    const text = groupInstructions(ada, [ada, bob]);
    expect(text).toContain(`You are ${ada.name}.`);
    expect(text).toContain(`- ${bob.name}: ${bob.tagline}`);
    expect(text).not.toContain(`- ${ada.name}:`);
  });
});
