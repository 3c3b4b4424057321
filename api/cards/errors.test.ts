import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CardError, type CardErrorCode } from './errors.ts';
import { importCard, type ImportCardOptions } from './import.ts';
import { jsonBytes, patchZipEntry, pngCard, solidPng, textChunk, v2Card, v3Card } from './testing.ts';

interface BadCase {
  name: string;
  bytes: () => Uint8Array;
  options?: Partial<ImportCardOptions>;
  code: CardErrorCode;
  message: RegExp;
}

const text = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

const cases: BadCase[] = [
  {
    name: 'a PNG card is cut off inside its chara chunk',
    bytes: () => pngCard(v2Card()).subarray(0, 200),
    code: 'truncated_png',
    message: /^PNG chunk tEXt at byte 33 is truncated$/,
  },
  {
    name: 'a PNG card has a flipped bit in its chara chunk',
    bytes: () => {
      const png = pngCard(v2Card());
      png[60]! ^= 0x01;
      return png;
    },
    code: 'bad_crc',
    message: /^PNG chunk tEXt at byte 33 has a bad CRC$/,
  },
  {
    name: 'the chara chunk is not base64',
    bytes: () => solidPng([0, 0, 0, 0], [textChunk('chara', 'eyJuYW1lIjo*not base64*')]),
    code: 'bad_base64',
    message: /^chara chunk at byte 33 is not valid base64$/,
  },
  {
    name: 'the chara chunk is base64 of something other than JSON',
    bytes: () => solidPng([0, 0, 0, 0], [textChunk('chara', Buffer.from('<xml/>').toString('base64'))]),
    code: 'bad_json',
    message: /^the chara chunk is not valid JSON$/,
  },
  {
    name: 'a chunk is over the chunk limit',
    bytes: () => pngCard(v2Card()),
    options: { maxPngChunkBytes: 1024 },
    code: 'too_large',
    message: /^PNG chunk tEXt at byte 33 is \d+ bytes, over the 1 KiB limit$/,
  },
  {
    name: 'the file is over the input limit',
    bytes: () => jsonBytes(v2Card()),
    options: { maxInputBytes: 100 },
    code: 'too_large',
    message: /^the file is \d+ bytes, over the 100 bytes limit$/,
  },
  {
    name: 'a PNG has no card chunk',
    bytes: () => solidPng([0, 0, 0, 0], [textChunk('Comment', 'just a picture')]),
    code: 'no_card',
    message: /^the PNG has no chara or ccv3 tEXt chunk$/,
  },
  {
    name: 'the spec is unknown',
    bytes: () => jsonBytes({ ...v2Card(), spec: 'chara_card_v9' }),
    code: 'wrong_spec',
    message: /^the JSON has spec "chara_card_v9", not chara_card_v2 or chara_card_v3$/,
  },
  {
    name: 'the spec and spec_version disagree',
    bytes: () => jsonBytes({ ...v2Card(), spec_version: '3.0' }),
    code: 'wrong_spec',
    message: /^the JSON is chara_card_v2 but its spec_version is not 2\.x$/,
  },
  {
    name: 'the JSON is an object but not a card',
    bytes: () => jsonBytes({ type: 'preset', temperature: 0.7 }),
    code: 'no_card',
    message: /^the JSON is not a character card: it has no spec and no name$/,
  },
  {
    name: 'the JSON is an array',
    bytes: () => text('[{"name":"x"}]'),
    code: 'unsupported_format',
    message: /^the file is not a PNG, \.charx or JSON character card$/,
  },
  {
    name: 'the JSON is broken',
    bytes: () => text('{"name": "x",'),
    code: 'bad_json',
    message: /^the file is not valid JSON$/,
  },
  {
    name: 'a V2 card has no data object',
    bytes: () => jsonBytes({ spec: 'chara_card_v2', spec_version: '2.0', data: [] }),
    code: 'invalid_card',
    message: /^the JSON is chara_card_v2 but has no data object$/,
  },
  {
    name: 'a field has the wrong type',
    bytes: () => jsonBytes({ spec: 'chara_card_v2', data: { name: 'x', alternate_greetings: ['hi', 3] } }),
    code: 'invalid_card',
    message: /^card field data\.alternate_greetings\[1\] is invalid: /,
  },
  {
    name: 'a lorebook entry is not an object',
    bytes: () => jsonBytes({ spec: 'chara_card_v3', data: { name: 'x', character_book: { entries: [7] } } }),
    code: 'invalid_card',
    message: /^card field data\.character_book\.entries\[0\] is invalid: expected an object$/,
  },
  {
    name: 'the name is blank',
    bytes: () => jsonBytes({ name: '  ', description: 'nobody' }),
    code: 'invalid_card',
    message: /^card field name is empty$/,
  },
  {
    name: 'the file is empty',
    bytes: () => new Uint8Array(0),
    code: 'unsupported_format',
    message: /^the file is empty$/,
  },
  {
    name: 'the file is a JPEG',
    bytes: () => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]),
    code: 'unsupported_format',
    message: /^JPEG files cannot carry a card here/,
  },
  {
    name: 'a .charx has no card.json',
    bytes: () => zipSync({ 'readme.txt': strToU8('hi') }),
    code: 'no_card',
    message: /^the \.charx has no card\.json$/,
  },
  {
    name: 'a .charx lists too many entries',
    bytes: () =>
      zipSync(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`a/${i}.txt`, new Uint8Array(0)]))),
    code: 'zip_limits',
    message: /^ZIP has 1001 entries, over the limit of 1000$/,
  },
  {
    name: 'a .charx is a zip bomb: 100 MiB of zeros in card.json',
    bytes: () => zipSync({ 'card.json': new Uint8Array(100 * 1024 * 1024) }, { level: 1 }),
    code: 'zip_limits',
    message: /^ZIP entries add up to more than 64 MiB uncompressed$/,
  },
  {
    name: 'a .charx entry lies about its size to slip past the limits',
    bytes: () =>
      patchZipEntry(zipSync({ 'card.json': new Uint8Array(8 * 1024 * 1024) }), 'card.json', {
        uncompressedSize: 64,
      }),
    code: 'zip_limits',
    message: /^ZIP entry card\.json inflates past its declared 64 bytes$/,
  },
  {
    name: 'the card.json of a .charx is not JSON',
    bytes: () => zipSync({ 'card.json': strToU8('name: yaml?') }),
    code: 'bad_json',
    message: /^card\.json is not valid JSON$/,
  },
  {
    name: 'a JSON card holds a NUL in a field',
    bytes: () => jsonBytes({ ...v2Card(), data: { ...(v2Card().data as object), name: 'A\u0000da' } }),
    code: 'bad_text',
    message: /^the file holds a NUL character \(\\u0000\), which cannot be stored$/,
  },
  {
    name: 'the chara chunk of a PNG card holds a NUL in a key',
    bytes: () => pngCard({ ...v2Card(), 'x\u0000': 'y' }),
    code: 'bad_text',
    message: /^the chara chunk holds a NUL character/,
  },
  {
    name: 'a .charx card.json names the wrong spec',
    bytes: () => zipSync({ 'card.json': jsonBytes({ ...v3Card(), spec_version: '4.0' }) }),
    code: 'wrong_spec',
    message: /^card\.json is chara_card_v3 but its spec_version is not 3\.x$/,
  },
];

describe('importCard on malformed input', () => {
  it.each(cases.map((c) => [c.name, c] as const))('when %s, then the CardError says so', (_name, c) => {
    const bytes = c.bytes();
    let caught: unknown;
    try {
      importCard({ bytes }, c.options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CardError);
    const err = caught as CardError;
    expect({ code: err.code, message: err.message }).toEqual({
      code: c.code,
      message: expect.stringMatching(c.message),
    });
    expect(err.retryable).toBe(false);
  });

  it('when a card only spells \\u0000 (an escaped backslash), or nests a NUL deeper than the stack, then only the real NUL is refused', () => {
    const spelled = importCard({ bytes: text('{"name":"Ada","description":"a \\\\u0000 b"}') });
    expect(spelled.draft.description).toBe('a \\u0000 b');
    const deep = `{"name":"Deep","x":${'['.repeat(200_000)}"\\u0000"${']'.repeat(200_000)}}`;
    expect(() => importCard({ bytes: text(deep) })).toThrow('the file holds a NUL character');
  });

  it('when the input is not bytes at all, then unsupported_format rather than a TypeError', () => {
    expect(() => importCard({ bytes: 'text' as unknown as Uint8Array })).toThrow(CardError);
    expect(() => importCard(undefined as unknown as { bytes: Uint8Array })).toThrow(CardError);
  });
});

describe('importCard options', () => {
  it('when a limit is passed as undefined, then its default still applies', () => {
    const bytes = new Uint8Array(20 * 1024 * 1024 + 1).fill(0x20);
    expect(() => importCard({ bytes }, { maxInputBytes: undefined })).toThrow(
      'the file is 20971521 bytes, over the 20 MiB limit',
    );
  });
});
