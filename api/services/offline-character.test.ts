import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CreateCharacterRequest } from '../../protocol/index.ts';
import { extractName, offlineCharacter } from './offline-character.ts';

const ESPEAK_VARIANTS = '/usr/lib/x86_64-linux-gnu/espeak-ng-data/voices/!v';

describe('offlineCharacter', () => {
  const descriptions = [
    'A grumpy old Scottish lighthouse keeper named Angus who loves birds and storms',
    'She is a cheerful pirate captain who adores treasure maps',
    'a shy robot that wants to learn jokes',
    'Detective Mara Quinn, a sarcastic noir investigator',
    'x y z',
  ];

  it('when given any description, then the draft is valid for create and the same every time', () => {
    for (const d of descriptions) {
      const draft = offlineCharacter(d);
      expect(CreateCharacterRequest.safeParse(draft).success, d).toBe(true);
      expect(offlineCharacter(d)).toEqual(draft);
    }
  });

  it('when the description names the character, then that is its name and its background is about it', () => {
    expect(extractName('A baker called Rosa Lind who sings')).toBe('Rosa Lind');
    expect(extractName('Captain Reed is a tired smuggler')).toBe('Captain Reed');
    expect(extractName('a quiet librarian')).toBeUndefined();
    const angus = offlineCharacter(descriptions[0]!);
    expect(angus.name).toBe('Angus');
    expect(angus.persona.background).toMatch(/^Angus is a grumpy old Scottish lighthouse keeper/);
    expect(angus.persona.interests.slice(0, 2)).toEqual(['birds', 'storms']);
    expect(angus.persona.traits).toContain('grumpy');
    expect(angus.voice.espeak.voice).toBe('en-gb-scotland');
    expect(angus.talkativeness).toBeLessThan(0.5);
  });

  it('when the description says she, then the voice is a female one', () => {
    const draft = offlineCharacter(descriptions[1]!);
    expect(draft.voice.espeak.variant).toMatch(/^f\d$/);
    expect(['nova', 'shimmer']).toContain(draft.voice.openai.voice);
    expect(draft.tags).toContain('pirate');
  });

  it('when espeak-ng data is installed, then every variant chosen exists', () => {
    if (!existsSync(ESPEAK_VARIANTS))
      throw new Error(`espeak-ng-data is needed for this test (${ESPEAK_VARIANTS})`);
    for (const d of descriptions) {
      const variant = offlineCharacter(d).voice.espeak.variant!;
      expect(existsSync(`${ESPEAK_VARIANTS}/${variant}`), variant).toBe(true);
    }
  });
});
