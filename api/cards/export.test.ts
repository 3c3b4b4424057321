import { describe, expect, it } from 'vitest';
import { V1_FIELDS } from './card.ts';
import { CardError } from './errors.ts';
import { exportCard, type ExportFormat } from './export.ts';
import { importCard } from './import.ts';
import {
  charxCard,
  jsonBytes,
  parseJsonBytes,
  plainChunks,
  plainTexts,
  pngCard,
  solidPng,
  textChunk,
  v1Card,
  v2Card,
  v3Card,
  type Json,
} from './testing.ts';
import type { ExportableCharacter, ImportedCard } from './types.ts';

function roundTrip(first: ImportedCard, format: ExportFormat, avatarPng?: Uint8Array) {
  const exported = exportCard(
    { ...first.draft, knowledge: first.knowledge },
    { format, raw: first.raw, avatarPng },
  );
  return { exported, second: importCard({ bytes: exported.bytes }) };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CardError) return err.code;
    throw err;
  }
  return 'no error';
}

const fromBase64 = (text: string): unknown => JSON.parse(Buffer.from(text, 'base64').toString('utf8'));

describe('exportCard round trips', () => {
  it('when a V2 card is imported and exported as V2 JSON, then the file is the same card, key order included', () => {
    const first = importCard({ bytes: pngCard(v2Card()) });
    const { exported, second } = roundTrip(first, 'v2-json');
    expect(exported).toMatchObject({ contentType: 'application/json', filename: 'captain-oro.json' });
    expect(JSON.stringify(parseJsonBytes(exported.bytes))).toBe(JSON.stringify(v2Card()));
    expect(second.draft).toEqual(first.draft);
    expect(second.knowledge).toEqual(first.knowledge);
  });

  it('when a V3 card is imported and exported as V3 JSON, then every field comes back unchanged', () => {
    const first = importCard({ bytes: jsonBytes(v3Card()) });
    const { exported, second } = roundTrip(first, 'v3-json');
    expect(exported.filename).toBe('professor-lune.v3.json');
    expect(parseJsonBytes(exported.bytes)).toEqual(v3Card());
    expect(second.draft).toEqual(first.draft);
    expect(second.knowledge).toEqual(first.knowledge);
  });

  it('when a V1 card is exported as V2, then its fields move into data and its other fields stay at the top', () => {
    const first = importCard({ bytes: jsonBytes(v1Card()) });
    const { exported, second } = roundTrip(first, 'v2-json');
    const out = parseJsonBytes(exported.bytes) as Json;
    const { name, description, personality, scenario, first_mes, mes_example, ...others } = v1Card();
    expect(out).toEqual({
      ...v1Card(),
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: {
        name,
        description,
        personality,
        scenario,
        first_mes,
        mes_example,
        creator_notes: '',
        system_prompt: '',
        post_history_instructions: '',
        alternate_greetings: [],
        tags: [],
        creator: '',
        character_version: '',
        extensions: {},
      },
    });
    expect(Object.keys(others)).toEqual(['avatar', 'chat', 'create_date', 'talkativeness', 'metadata']);
    expect(second.spec).toBe('v2');
    expect(second.draft).toEqual(first.draft);
  });

  it('when a V2 PNG is exported as V2 PNG, then chara holds the same V2 card and ccv3 the V3 form of it', () => {
    const first = importCard({ bytes: pngCard(v2Card()) });
    const { exported, second } = roundTrip(first, 'v2-png', first.avatar?.bytes);
    expect(exported).toMatchObject({ contentType: 'image/png', filename: 'captain-oro.png' });
    const texts = plainTexts(exported.bytes);
    expect(texts.get('chara')).toHaveLength(1);
    expect(fromBase64(texts.get('chara')![0]!)).toEqual(v2Card());
    const v3 = v2Card();
    expect(fromBase64(texts.get('ccv3')![0]!)).toEqual({
      ...v3,
      spec: 'chara_card_v3',
      spec_version: '3.0',
      data: { ...(v3.data as Json), group_only_greetings: [] },
    });
    expect(second.spec).toBe('v3');
    expect(second.draft).toEqual(first.draft);
    expect(second.knowledge).toEqual(first.knowledge);
  });

  it('when a .charx card is exported as V3 JSON, then card.json comes back unchanged', () => {
    const { zip, card } = charxCard();
    const first = importCard({ bytes: zip });
    const { exported, second } = roundTrip(first, 'v3-json');
    expect(parseJsonBytes(exported.bytes)).toEqual(card);
    expect(second.draft).toEqual(first.draft);
  });

  it('when the character was edited, then edits land and the untouched fields of other tools survive', () => {
    const first = importCard({ bytes: pngCard(v2Card()) });
    const [ship, vell] = first.knowledge;
    const edited: ExportableCharacter = {
      ...first.draft,
      name: 'Admiral Oro',
      persona: { ...first.draft.persona, traits: ['brave'], tone: 'bombastic' },
      talkativeness: 0.9,
      voice: { openai: { voice: 'ash' } },
      knowledge: [
        { ...vell!, content: 'Vell left the ship.', name: undefined, priority: undefined },
        { ...ship!, name: 'The Kestrel' },
        { keys: ['storm'], content: 'Storms ground the fleet.', enabled: true, name: 'Storms' },
      ],
    };
    const exported = exportCard(edited, { format: 'v2-json', raw: first.raw });
    const out = parseJsonBytes(exported.bytes) as Json;
    const data = out.data as Json;
    const entries = (data.character_book as Json).entries as Json[];
    const original = v2Card();
    const originalEntries = ((original.data as Json).character_book as Json).entries as Json[];

    expect(out.name).toBe('Admiral Oro');
    expect(data.name).toBe('Admiral Oro');
    expect(out.creatorcomment).toBe(original.creatorcomment);
    expect(data.extensions).toEqual({
      ...((original.data as Json).extensions as Json),
      troupe: {
        traits: ['brave'],
        tone: 'bombastic',
        talkativeness: 0.9,
        voice: { openai: { voice: 'ash' } },
      },
    });
    expect(entries).toEqual([
      { ...originalEntries[1], content: 'Vell left the ship.', name: '', priority: undefined },
      { ...originalEntries[0], comment: 'The Kestrel' },
      {
        keys: ['storm'],
        content: 'Storms ground the fleet.',
        extensions: {},
        enabled: true,
        insertion_order: 2,
        name: 'Storms',
        comment: 'Storms',
      },
    ]);
    expect('priority' in entries[0]!).toBe(false);

    const second = importCard({ bytes: exported.bytes });
    const { knowledge, ...character } = edited;
    expect(second.draft).toEqual(character);
    expect(second.knowledge).toEqual([
      { keys: ['Vell'], content: 'Vell left the ship.', enabled: false, sourceIndex: 0 },
      { ...ship, name: 'The Kestrel', sourceIndex: 1 },
      { ...knowledge![2], sourceIndex: 2 },
    ]);
  });

  it('when a card has no Troupe data and is not edited, then no troupe extension is added', () => {
    const first = importCard({ bytes: pngCard(v2Card()) });
    const out = parseJsonBytes(roundTrip(first, 'v3-json').exported.bytes) as Json;
    expect(Object.keys((out.data as Json).extensions as Json)).not.toContain('troupe');
  });

  it('when a Troupe character has no source card, then the export carries every field the spec requires', () => {
    const character: ExportableCharacter = {
      name: 'Ada',
      description: 'A retired codebreaker.',
      personality: '',
      scenario: '',
      persona: {
        background: 'Ada broke codes in the war and now teaches chess.',
        traits: ['sharp'],
        interests: ['chess'],
        tone: 'wry',
        speakingStyle: 'short sentences',
      },
      systemPrompt: '',
      greetings: ['Care for a game?'],
      exampleDialogue: '',
      creatorNotes: '',
      tags: ['troupe'],
      creator: 'troupe',
      talkativeness: 0.5,
      voice: { espeak: { voice: 'en-gb', rate: 170, pitch: 45 } },
      knowledge: [{ keys: ['Bletchley'], content: 'Ada worked in Hut 8.', enabled: true }],
    };
    const out = parseJsonBytes(exportCard(character, { format: 'v3-json' }).bytes) as Json;
    expect(Object.keys(out)).toEqual(['spec', 'spec_version', 'data']);
    expect(Object.keys(out.data as Json)).toEqual([
      ...V1_FIELDS,
      'creator_notes',
      'system_prompt',
      'post_history_instructions',
      'alternate_greetings',
      'character_book',
      'tags',
      'creator',
      'character_version',
      'extensions',
      'group_only_greetings',
    ]);
    expect(((out.data as Json).extensions as Json).troupe).toEqual({
      background: 'Ada broke codes in the war and now teaches chess.',
      traits: ['sharp'],
      interests: ['chess'],
      tone: 'wry',
      speakingStyle: 'short sentences',
      voice: { espeak: { voice: 'en-gb', rate: 170, pitch: 45 } },
    });
    const back = importCard({ bytes: jsonBytes(out) });
    const { knowledge, ...draft } = character;
    expect(back.draft).toEqual(draft);
    expect(back.knowledge).toEqual([{ ...knowledge![0], sourceIndex: 0 }]);
  });

  it('when a card has a __proto__ field, then it round trips as plain data and pollutes nothing', () => {
    const text =
      '{"spec":"chara_card_v2","spec_version":"2.0","__proto__":{"polluted":1},"data":{"name":"P","extensions":{"__proto__":{"x":1}}}}';
    const first = importCard({ bytes: new Uint8Array(Buffer.from(text)) });
    const out = parseJsonBytes(roundTrip(first, 'v2-json').exported.bytes) as Json;
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(Object.getOwnPropertyDescriptor((out.data as Json).extensions, '__proto__')?.value).toEqual({
      x: 1,
    });
    expect(({} as Json).polluted).toBeUndefined();
  });
});

describe('exportCard as V2 PNG', () => {
  it('when the avatar already holds cards, then a plain tEXt reader finds exactly one chara and one ccv3, with valid CRCs', () => {
    const avatar = solidPng(
      [9, 9, 9, 255],
      [textChunk('chara', 'c3RhbGU='), textChunk('ccv3', 'c3RhbGU='), textChunk('Title', 'portrait')],
    );
    const first = importCard({ bytes: jsonBytes(v3Card()) });
    const { bytes } = exportCard(
      { ...first.draft, knowledge: first.knowledge },
      { format: 'v2-png', avatarPng: avatar, raw: first.raw },
    );
    expect(plainChunks(bytes).every((c) => c.crcOk)).toBe(true);
    const texts = plainTexts(bytes);
    expect([...texts.keys()]).toEqual(['Title', 'chara', 'ccv3']);
    expect(fromBase64(texts.get('chara')![0]!)).toMatchObject({
      spec: 'chara_card_v2',
      spec_version: '2.0',
      data: { name: 'Professor Lune' },
    });
    expect(fromBase64(texts.get('ccv3')![0]!)).toEqual(v3Card());
  });

  it('when no avatar is given, then the card is embedded in a generated 1×1 PNG', () => {
    const first = importCard({ bytes: jsonBytes(v1Card()) });
    const { bytes } = exportCard(first.draft, { format: 'v2-png' });
    expect(plainChunks(bytes).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'tEXt', 'tEXt', 'IEND']);
    expect(importCard({ bytes }).draft).toEqual(first.draft);
  });

  it('when the avatar is not a PNG, then the error says so', () => {
    const first = importCard({ bytes: jsonBytes(v1Card()) });
    expect(() => exportCard(first.draft, { format: 'v2-png', avatarPng: new Uint8Array([1, 2, 3]) })).toThrow(
      'avatarPng: file is not a PNG: the signature is missing',
    );
  });

  it('when the card would not fit in one chunk, then too_large', () => {
    const first = importCard({ bytes: jsonBytes(v3Card()) });
    expect(codeOf(() => exportCard(first.draft, { format: 'v2-png', maxPngChunkBytes: 256 }))).toBe(
      'too_large',
    );
  });
});

describe('exportCard input checks', () => {
  it('when the character is malformed, then invalid_character names the field', () => {
    const first = importCard({ bytes: jsonBytes(v1Card()) });
    expect(() => exportCard({ ...first.draft, talkativeness: 2 }, { format: 'v2-json' })).toThrow(
      /^character field talkativeness is invalid: /,
    );
  });

  it('when raw is not a card, then the error says which', () => {
    const first = importCard({ bytes: jsonBytes(v1Card()) });
    expect(codeOf(() => exportCard(first.draft, { format: 'v2-json', raw: { spec: 'other' } }))).toBe(
      'wrong_spec',
    );
    expect(codeOf(() => exportCard(first.draft, { format: 'v2-json', raw: 'text' }))).toBe('no_card');
  });

  it('when the format is unknown, then invalid_character', () => {
    const first = importCard({ bytes: jsonBytes(v1Card()) });
    expect(codeOf(() => exportCard(first.draft, { format: 'v1-json' as ExportFormat }))).toBe(
      'invalid_character',
    );
  });

  it('when raw nests deeper than JSON.stringify can go, then a CardError, not a RangeError', () => {
    const text = `{"name":"Deep","x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const first = importCard({ bytes: new Uint8Array(Buffer.from(text)) });
    expect(codeOf(() => exportCard(first.draft, { format: 'v2-json', raw: first.raw }))).toBe(
      'invalid_character',
    );
  });
});
