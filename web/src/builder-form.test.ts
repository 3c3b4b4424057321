import { describe, expect, it } from 'vitest';
import { CreateCharacterRequest } from '../../protocol/characters.ts';
import type { Character } from '../../protocol/index.ts';
import {
  emptyBuilderValues,
  fieldOfPath,
  sameVoice,
  serverFieldErrors,
  splitList,
  toBuilderValues,
  toCharacterRequest,
  validateBuilder,
} from './builder-form.ts';
import type { BuilderValues } from './builder-form.ts';

const filled: BuilderValues = {
  ...emptyBuilderValues,
  name: ' Captain Mira ',
  tagline: 'Sails the fog',
  'persona.background': 'A retired ship captain.',
  'persona.traits': 'gruff, kind\nloyal',
  'persona.interests': 'knots, tides',
  'persona.tone': 'salty',
  'persona.speakingStyle': 'Short sentences.',
  greeting: 'Ahoy.',
  alternateGreetings: 'Welcome aboard.\n\nWho goes there?',
  tags: 'Sea, Adventure',
  talkativeness: 0.8,
  visibility: 'public',
  'voice.espeak.variant': 'm3',
  'voice.espeak.rate': '160',
  'voice.espeak.pitch': '30',
};

describe('splitList', () => {
  it('when a list is typed with commas and new lines, then blanks are dropped and entries trimmed', () => {
    expect(splitList(' a, b ,\n\n c,')).toEqual(['a', 'b', 'c']);
    expect(splitList('one, two\nthree', /\n/)).toEqual(['one, two', 'three']);
  });
});

describe('form ↔ request', () => {
  it('when voice tuning is left blank, then the request leaves it out; when filled, it is a number', () => {
    const blank = toCharacterRequest(toBuilderValues());
    expect(blank.voice.elevenlabs).toEqual({ voiceId: expect.any(String) });
    expect(blank.voice.openai).toEqual({ voice: expect.any(String) });
    const tuned = toCharacterRequest({
      ...toBuilderValues(),
      'voice.elevenlabs.stability': '0.3',
      'voice.elevenlabs.similarity': ' 0.9 ',
      'voice.openai.speed': '1.25',
    });
    expect(tuned.voice.elevenlabs).toMatchObject({ stability: 0.3, similarity: 0.9 });
    expect(tuned.voice.openai.speed).toBe(1.25);
    expect(toBuilderValues(tuned)['voice.elevenlabs.stability']).toBe('0.3');
  });

  it('when the form is filled, then the request is what the contract accepts, trimmed and split', () => {
    const req = toCharacterRequest(filled);
    expect(CreateCharacterRequest.safeParse(req).success).toBe(true);
    expect(req).toMatchObject({
      name: 'Captain Mira',
      persona: { traits: ['gruff', 'kind', 'loyal'], interests: ['knots', 'tides'] },
      alternateGreetings: ['Welcome aboard.', 'Who goes there?'],
      tags: ['sea', 'adventure'],
      talkativeness: 0.8,
      visibility: 'public',
      voice: { espeak: { voice: 'en-us', variant: 'm3', rate: 160, pitch: 30 } },
    });
  });

  it('when a character is loaded and saved unchanged, then the request equals its fields', () => {
    const c: Character = {
      id: 'mira',
      builtIn: false,
      ownerId: null,
      ...CreateCharacterRequest.parse(toCharacterRequest(filled)),
    };
    const { id: _id, builtIn: _b, ownerId: _o, ...fields } = c;
    expect(toCharacterRequest(toBuilderValues(c))).toEqual(fields);
  });

  it('when voices differ only in key order or an empty variant, then they are the same voice', () => {
    const v = toCharacterRequest(filled).voice;
    const reordered = {
      espeak: {
        pitch: v.espeak.pitch,
        rate: v.espeak.rate,
        voice: v.espeak.voice,
        variant: v.espeak.variant,
      },
      elevenlabs: v.elevenlabs,
      openai: v.openai,
    };
    expect(sameVoice(v, reordered)).toBe(true);
    expect(sameVoice(v, { ...v, espeak: { ...v.espeak, rate: 161 } })).toBe(false);
    const plain = toCharacterRequest(emptyBuilderValues).voice;
    expect(sameVoice(plain, { ...plain, espeak: { ...plain.espeak, variant: '' } })).toBe(true);
  });

  it('when no espeak variant is given, then the request leaves it out', () => {
    expect(toCharacterRequest(emptyBuilderValues).voice.espeak).not.toHaveProperty('variant');
  });

  it('when a generated draft lacks optional parts, then the form keeps its defaults for them', () => {
    const v = toBuilderValues({ name: 'Draft', tagline: 'x' });
    expect(v.name).toBe('Draft');
    expect(v.talkativeness).toBe(0.5);
    expect(v['voice.espeak.rate']).toBe('175');
  });
});

describe('validation messages', () => {
  it('when the form is blank, then each required field says so, once', () => {
    const errors = validateBuilder(emptyBuilderValues);
    expect(errors).toMatchObject({
      name: 'Required.',
      tagline: 'Required.',
      'persona.background': 'Required.',
      'persona.traits': 'Add at least 1.',
      'persona.interests': 'Add at least 1.',
      greeting: 'Required.',
    });
    expect(errors['']).toBeUndefined();
  });

  it('when the form is complete, then no errors', () => {
    expect(validateBuilder(filled)).toEqual({});
  });

  it('when numbers are out of range or not numbers, then those voice fields say so', () => {
    const errors = validateBuilder({ ...filled, 'voice.espeak.rate': '20', 'voice.espeak.pitch': 'high' });
    expect(errors['voice.espeak.rate']).toBe('Must be at least 80.');
    expect(errors['voice.espeak.pitch']).toBe('Enter a number.');
  });

  it('when text is too long or a list entry too long, then the limit is named', () => {
    const errors = validateBuilder({
      ...filled,
      name: 'x'.repeat(81),
      'persona.traits': `ok, ${'y'.repeat(65)}`,
    });
    expect(errors.name).toBe('Must be at most 80 characters.');
    expect(errors['persona.traits']).toBe('Each entry must be at most 64 characters.');
  });
});

describe('server errors', () => {
  it('when the API answers validation_failed, then its issues land on the fields their paths name', () => {
    const errors = serverFieldErrors({
      issues: [
        { code: 'too_small', path: ['persona', 'traits', '0'], message: 'Too small' },
        { code: 'custom', path: ['voice', 'espeak', 'rate'], message: 'Too slow' },
        { code: 'unrecognized_keys', path: [], message: 'Unrecognized key: "x"' },
      ],
    });
    expect(errors).toEqual({
      'persona.traits': 'Too small',
      'voice.espeak.rate': 'Too slow',
      '': 'Unrecognized key: "x"',
    });
  });

  it('when details are not issues, then no field errors', () => {
    expect(serverFieldErrors(undefined)).toEqual({});
    expect(serverFieldErrors({ issues: 'nope' })).toEqual({});
    expect(fieldOfPath(['nonsense'])).toBe('');
  });
});
