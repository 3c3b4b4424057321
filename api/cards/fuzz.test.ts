import fc from 'fast-check';
import { zipSync, type Zippable } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CardError, type CardErrorCode } from './errors.ts';
import { importCard, type ImportCardOptions } from './import.ts';
import {
  charxCard,
  fixPngCrcs,
  jsonBytes,
  pngCard,
  solidPng,
  textChunk,
  v1Card,
  v2Card,
  v3Card,
  type Json,
} from './testing.ts';
import { CharacterDraft, KnowledgeEntry } from './types.ts';

// Fixed seed and a few hundred runs per property: failures reproduce, and the suite stays fast.
const SEED = 0x7c0de;
const RUNS = 300;
const params = { seed: SEED, numRuns: RUNS };
/**
 * The slowest input, printed at the end rather than asserted (the machine is shared): a hang still
 * fails, on the test timeout.
 */
const slowest = { ms: 0, test: '' };
afterAll(() => {
  console.log(`card fuzzing: slowest input took ${slowest.ms.toFixed(1)} ms (${slowest.test})`);
});

const ImportedShape = z.object({
  spec: z.enum(['v1', 'v2', 'v3']),
  draft: CharacterDraft,
  knowledge: z.array(KnowledgeEntry),
  avatar: z
    .object({ bytes: z.instanceof(Uint8Array), contentType: z.string().startsWith('image/') })
    .optional(),
  raw: z.unknown(),
  warnings: z.array(z.string()),
});

/** Imports `bytes`; it must give a well-formed card or a CardError with a specific code. */
function outcome(bytes: Uint8Array, options?: Partial<ImportCardOptions>): 'ok' | CardErrorCode {
  const started = performance.now();
  let result: 'ok' | CardErrorCode;
  try {
    ImportedShape.parse(importCard({ bytes }, options));
    result = 'ok';
  } catch (err) {
    if (!(err instanceof CardError)) throw err;
    // `unreadable` is the safety net: reaching it means a check is missing.
    if (err.code === 'unreadable') throw err.cause;
    result = err.code;
  }
  const ms = performance.now() - started;
  if (ms > slowest.ms) Object.assign(slowest, { ms, test: expect.getState().currentTestName ?? '' });
  return result;
}

interface Mutation {
  at: number;
  byte: number;
}

const mutations = fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), {
  minLength: 1,
  maxLength: 8,
});

function mutate(base: Uint8Array, changes: Mutation[], cut?: number): Uint8Array {
  const out = base.slice(0, cut === undefined ? base.length : cut % (base.length + 1));
  for (const { at, byte } of changes) if (out.length > 0) out[at % out.length] = byte;
  return out;
}

const MAGICS: number[][] = [
  [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  [0x50, 0x4b, 0x03, 0x04],
  [0x50, 0x4b, 0x05, 0x06],
  [0x7b],
  [0xef, 0xbb, 0xbf, 0x20, 0x7b],
];

describe('importCard under fuzzing', () => {
  it('when given random bytes, then it returns a card or throws CardError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        outcome(bytes);
      }),
      params,
    );
  });

  it('when random bytes follow a PNG, ZIP or JSON magic, then it returns a card or throws CardError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MAGICS), fc.uint8Array({ maxLength: 2048 }), (magic, rest) => {
        outcome(new Uint8Array([...magic, ...rest]));
      }),
      params,
    );
  });

  it('when a valid PNG card is mutated or cut, with or without its CRCs repaired, then it returns a card or throws CardError', () => {
    const base = solidPng(
      [1, 2, 3, 4],
      [
        textChunk('chara', Buffer.from(JSON.stringify(v2Card())).toString('base64')),
        textChunk('ccv3', Buffer.from(JSON.stringify(v3Card())).toString('base64')),
      ],
    );
    const seen = new Set<string>();
    fc.assert(
      fc.property(mutations, fc.option(fc.nat()), fc.boolean(), (changes, cut, repair) => {
        const bytes = mutate(base, changes, cut ?? undefined);
        seen.add(outcome(repair ? fixPngCrcs(bytes) : bytes));
      }),
      params,
    );
    // The repaired cases must reach past the CRC check into the card layers.
    expect(seen).toContain('bad_crc');
    expect(seen).toContain('ok');
  });

  it('when the base64 inside a chara chunk is mutated, then it returns a card or throws CardError', () => {
    const text = Buffer.from(JSON.stringify(v1Card())).toString('base64');
    const junk = fc.constantFrom(...'ABCxyz019+/=\n -_*%{}\u00e9');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), junk), { minLength: 1, maxLength: 6 }), (edits) => {
        const chars = [...text];
        for (const [at, c] of edits) chars[at % chars.length] = c;
        outcome(solidPng([0, 0, 0, 0], [textChunk('chara', chars.join(''))]));
      }),
      params,
    );
  });

  it('when the text of a JSON card is mutated, then it returns a card or throws CardError', () => {
    const text = JSON.stringify(v2Card());
    const junk = fc.constantFrom(...'{}[]":,0123456789.eE-+tfnul \\x');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), junk), { minLength: 1, maxLength: 6 }), (edits) => {
        const chars = [...text];
        for (const [at, c] of edits) chars[at % chars.length] = c;
        outcome(new Uint8Array(Buffer.from(chars.join(''))));
      }),
      params,
    );
  });

  it('when any field of a card is replaced by a random JSON value, then it returns a card or throws CardError', () => {
    const bases = [v1Card(), v2Card(), v3Card()];
    const paths = fc.constantFrom(
      [],
      ['data'],
      ['spec'],
      ['spec_version'],
      ['name'],
      ['data', 'name'],
      ['data', 'alternate_greetings'],
      ['data', 'tags'],
      ['data', 'character_book'],
      ['data', 'character_book', 'entries'],
      ['data', 'character_book', 'entries', '0'],
      ['data', 'character_book', 'entries', '0', 'keys'],
      ['data', 'character_book', 'entries', '0', 'name'],
      ['data', 'character_book', 'entries', '0', 'priority'],
      ['data', 'extensions'],
      ['data', 'extensions', 'talkativeness'],
      ['data', 'extensions', 'troupe'],
      ['data', 'extensions', 'troupe', 'voice'],
      ['data', 'extensions', 'troupe', 'voice', 'espeak'],
      ['data', 'extensions', 'troupe', 'traits'],
      ['data', 'assets'],
    );
    fc.assert(
      fc.property(fc.nat({ max: 2 }), paths, fc.jsonValue({ maxDepth: 3 }), (which, path, value) => {
        outcome(jsonBytes(replaceAt(bases[which]!, path, value)));
      }),
      params,
    );
  });

  it('when given random JSON shapes, with or without a card spec, then it returns a card or throws CardError', () => {
    const fields = fc.constantFrom(
      'name',
      'description',
      'first_mes',
      'alternate_greetings',
      'character_book',
      'extensions',
      'tags',
      'x',
    );
    const shaped = fc.record({
      spec: fc.oneof(fc.constantFrom('chara_card_v2', 'chara_card_v3'), fc.jsonValue({ maxDepth: 1 })),
      spec_version: fc.oneof(fc.constantFrom('2.0', '3.0', 3), fc.jsonValue({ maxDepth: 1 })),
      data: fc.oneof(fc.dictionary(fields, fc.jsonValue({ maxDepth: 3 })), fc.jsonValue({ maxDepth: 2 })),
    });
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue({ maxDepth: 4 }), shaped, fc.dictionary(fields, fc.jsonValue({ maxDepth: 3 }))),
        (value) => {
          outcome(jsonBytes(value));
        },
      ),
      params,
    );
  });

  it('when a valid .charx is mutated or cut, then it returns a card or throws CardError', () => {
    const { zip } = charxCard();
    fc.assert(
      fc.property(mutations, fc.option(fc.nat()), (changes, cut) => {
        outcome(mutate(zip, changes, cut ?? undefined));
      }),
      params,
    );
  });

  it('when a .charx holds random bytes as card.json or its icon, then it returns a card or throws CardError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, asCard) => {
        const files: Zippable = asCard
          ? { 'card.json': bytes }
          : { 'card.json': jsonBytes(charxCard().card), 'assets/icon/images/main.png': bytes };
        outcome(zipSync(files));
      }),
      { ...params, numRuns: 100 },
    );
  });

  it('when the limits are tiny, then every valid card trips a limit rather than anything else', () => {
    const inputs = [
      jsonBytes(v2Card()),
      pngCard(v2Card()),
      charxCard().zip,
      zipSync({ 'card.json': jsonBytes(v1Card()) }),
    ];
    const tiny = { maxInputBytes: 64, maxPngChunkBytes: 16, maxZipEntries: 1, maxZipUncompressedBytes: 8 };
    expect(inputs.map((b) => outcome(b, tiny))).toEqual(['too_large', 'too_large', 'too_large', 'too_large']);
    const roomy = { ...tiny, maxInputBytes: 1024 * 1024 };
    expect(inputs.map((b) => outcome(b, roomy))).toEqual(['ok', 'too_large', 'zip_limits', 'zip_limits']);
  });
});

function replaceAt(base: Json, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: Json = structuredClone(base);
  let node: unknown = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return copy;
    node = (node as Json)[key];
  }
  if (typeof node === 'object' && node !== null) (node as Json)[path[path.length - 1]!] = value;
  return copy;
}
