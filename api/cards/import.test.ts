import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { importCard } from './import.ts';
import {
  cardText,
  charxCard,
  jsonBytes,
  plainTexts,
  pngCard,
  solidPng,
  textChunk,
  v1Card,
  v2Card,
  v2CardKnowledge,
  v3Card,
  type Json,
} from './testing.ts';

describe('importCard', () => {
  it('when given a V1 JSON card, then the flat fields map onto the draft and the background is derived', () => {
    const card = importCard({ bytes: jsonBytes(v1Card()), filename: 'mira.json' });
    expect(card.spec).toBe('v1');
    expect(card.draft).toEqual({
      name: 'Mira',
      description: '{{char}} is a lighthouse keeper on a windy island.',
      personality: 'patient, dry humour',
      scenario: '{{user}} washes up on the shore during a storm.',
      persona: {
        background:
          '{{char}} is a lighthouse keeper on a windy island.\n\nPersonality: patient, dry humour\n\n' +
          'Scenario: {{user}} washes up on the shore during a storm.',
        traits: [],
        interests: [],
        tone: '',
        speakingStyle: '',
      },
      systemPrompt: '',
      greetings: ['*Mira holds up a lantern.* You look half-drowned.'],
      exampleDialogue: '<START>\n{{user}}: Where am I?\n{{char}}: Somewhere the ferry forgot.',
      creatorNotes: '',
      tags: [],
      creator: '',
      talkativeness: 0.5,
    });
    expect(card.knowledge).toEqual([]);
    expect(card.avatar).toBeUndefined();
    expect(card.raw).toEqual(v1Card());
  });

  it('when the JSON starts with a byte-order mark and whitespace, then it is still read', () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(' \r\n\t'),
      jsonBytes(v3Card()),
    ]);
    expect(importCard({ bytes: new Uint8Array(bytes) }).draft.name).toBe('Professor Lune');
  });

  it('when given a V2 PNG with a lorebook, then entries become knowledge and the image becomes the avatar', () => {
    const png = pngCard(v2Card());
    const card = importCard({ bytes: png, contentType: 'image/png' });
    expect(card.spec).toBe('v2');
    expect(card.draft).toMatchObject({
      name: 'Captain Oro',
      systemPrompt: 'Stay in character as {{char}}.',
      greetings: [
        'Welcome aboard! Mind the hole in the deck.',
        'Ah, the navigator. Do you know how to read a map?',
        '',
      ],
      creatorNotes: 'Works best with a sense of humour.',
      tags: ['adventure', 'comedy'],
      creator: 'test-author',
      talkativeness: 0.4,
    });
    expect(card.knowledge).toEqual(v2CardKnowledge());
    expect(card.avatar?.contentType).toBe('image/png');
    expect(plainTexts(card.avatar!.bytes).size).toBe(0);
    expect(card.raw).toEqual(v2Card());
    expect(card.warnings).toEqual([]);
  });

  it('when given a V3 card with Troupe data, then voice, traits, tone and talkativeness come from the extension', () => {
    const card = importCard({ bytes: jsonBytes(v3Card()) });
    expect(card.spec).toBe('v3');
    expect(card.draft.persona).toEqual({
      background: 'An astronomer who talks to the moon.\n\nPersonality: absent-minded, kind',
      traits: ['curious', 'gentle'],
      interests: ['astronomy', 'tea'],
      tone: 'soft and wondering',
      speakingStyle: 'long pauses, rhetorical questions',
    });
    expect(card.draft.voice).toEqual({
      openai: { voice: 'sage' },
      espeak: { voice: 'en-gb', rate: 160, pitch: 40 },
    });
    expect(card.draft.talkativeness).toBe(0.8);
    expect(card.knowledge).toEqual([
      {
        keys: ['moon'],
        content: 'Lune believes the moon answers on clear nights.',
        enabled: true,
        name: 'The moon',
        sourceIndex: 0,
      },
    ]);
  });

  it('when Troupe fields are malformed, then each is skipped with a warning and the card still imports', () => {
    const raw = v3Card();
    const troupe = ((raw.data as Json).extensions as Json).troupe as Json;
    troupe.talkativeness = 7;
    troupe.voice = { openai: { voice: '' }, elevenlabs: { voiceId: 'abc' } };
    const card = importCard({ bytes: jsonBytes(raw) });
    expect(card.draft.talkativeness).toBe(0.5);
    expect(card.draft.voice).toEqual({ elevenlabs: { voiceId: 'abc' } });
    expect(card.warnings).toEqual([
      expect.stringMatching(/^ignored data\.extensions\.troupe\.talkativeness: /),
      expect.stringMatching(/^ignored data\.extensions\.troupe\.voice\.openai: /),
    ]);
  });

  it('when a PNG carries both chara and ccv3, then the ccv3 card is read', () => {
    const png = solidPng(
      [0, 0, 0, 0],
      [textChunk('chara', cardText(v2Card())), textChunk('ccv3', cardText(v3Card()))],
    );
    expect(importCard({ bytes: png })).toMatchObject({ spec: 'v3', draft: { name: 'Professor Lune' } });
  });

  it('when the ccv3 chunk is broken but chara is good, then chara is read and the ccv3 problem is a warning', () => {
    const png = solidPng([0, 0, 0, 0], [textChunk('ccv3', '%%%'), textChunk('chara', cardText(v2Card()))]);
    const card = importCard({ bytes: png });
    expect(card).toMatchObject({ spec: 'v2', draft: { name: 'Captain Oro' } });
    expect(card.warnings).toEqual([
      expect.stringMatching(/^ignored the ccv3 chunk: ccv3 chunk at byte \d+ is not valid base64$/),
    ]);
  });

  it('when given a .charx, then card.json is read and the main icon asset becomes the avatar', () => {
    const { zip, card: json, icon } = charxCard();
    const card = importCard({ bytes: zip, filename: 'lune.charx' });
    expect(card.spec).toBe('v3');
    expect(card.draft.name).toBe('Professor Lune');
    expect(card.avatar).toEqual({ bytes: icon, contentType: 'image/png' });
    expect(card.raw).toEqual(json);
  });

  it('when a .charx asset list points nowhere inside, then an image under assets/icon/ is the avatar', () => {
    const icon = solidPng([1, 1, 1, 1]);
    const zip = zipSync({ 'card.json': jsonBytes(v3Card()), 'assets/icon/x/face.png': icon });
    expect(importCard({ bytes: zip }).avatar).toEqual({ bytes: icon, contentType: 'image/png' });
  });

  it('when a .charx icon is not an image, then there is no avatar and a warning says why', () => {
    const zip = zipSync({
      'card.json': jsonBytes(v3Card()),
      'assets/icon/main.png': strToU8('not an image'),
    });
    const card = importCard({ bytes: zip });
    expect(card.avatar).toBeUndefined();
    expect(card.warnings).toEqual([
      'ignored the icon asset assets/icon/main.png: it is not a PNG, JPEG, WebP, GIF or AVIF image',
    ]);
  });

  it('when optional fields are null or missing, then they read as empty', () => {
    const card = importCard({
      bytes: jsonBytes({
        spec: 'chara_card_v2',
        data: {
          name: 'Bare',
          description: null,
          alternate_greetings: null,
          character_book: null,
          extensions: null,
        },
      }),
    });
    expect(card.draft).toMatchObject({
      name: 'Bare',
      description: '',
      greetings: [],
      tags: [],
      talkativeness: 0.5,
    });
    expect(card.knowledge).toEqual([]);
  });

  it('when a V2 card names a newer 2.x spec_version, then it is accepted', () => {
    const raw = { ...v2Card(), spec_version: '2.1' };
    expect(importCard({ bytes: jsonBytes(raw) }).spec).toBe('v2');
  });
});
