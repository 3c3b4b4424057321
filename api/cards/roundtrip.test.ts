import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OWNED_DATA_FIELDS } from './card.ts';
import { exportCard, type ExportFormat } from './export.ts';
import { importCard } from './import.ts';
import { jsonBytes, parseJsonBytes, plainTexts, type Json } from './testing.ts';

// Property: for any well-formed V2 or V3 card, import → export → import gives the same draft and
// lorebook, and every field we do not own comes out with the value it went in with.

const params = { seed: 0x7c0de, numRuns: 150 };

/** Keys the generators must not use for "unknown" fields, because the card formats give them a meaning. */
const RESERVED = new Set([
  'spec',
  'spec_version',
  'data',
  ...OWNED_DATA_FIELDS,
  'character_book',
  'extensions',
  'entries',
  'keys',
  'content',
  'enabled',
  'comment',
  'priority',
  'talkativeness',
  'troupe',
  '__proto__',
]);

// Any text a card may hold: every code point but NUL, which no card can carry (`bad_text`).
const text = fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => !s.includes('\0'));
const nonBlank = text.filter((s) => s.trim() !== '');
const words = fc.array(text, { maxLength: 3 });
const extras = fc.dictionary(
  fc.string({ maxLength: 8 }).filter((k) => !RESERVED.has(k)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const entry = fc
  .record({
    keys: words,
    content: text,
    enabled: fc.boolean(),
    name: opt(text),
    comment: opt(text),
    priority: opt(fc.integer()),
    extensions: extras,
    extra: extras,
  })
  .map(({ extra, ...e }) => ({ ...extra, ...dropUndefined(e) }));

const troupe = fc
  .record({
    background: opt(text),
    traits: opt(words),
    interests: opt(words),
    tone: opt(text),
    speakingStyle: opt(text),
    talkativeness: opt(fc.double({ min: 0, max: 1, noNaN: true })),
    voice: opt(fc.record({ openai: opt(fc.record({ voice: nonBlank.map((s) => s.slice(0, 64)) })) })),
  })
  .map(dropUndefined);

const card = fc
  .record({
    spec: fc.constantFrom('chara_card_v2', 'chara_card_v3'),
    top: extras,
    fields: fc.record({
      name: nonBlank,
      description: text,
      personality: text,
      scenario: text,
      first_mes: text,
      mes_example: text,
      creator_notes: text,
      system_prompt: text,
      alternate_greetings: words,
      tags: words,
      creator: text,
    }),
    dataExtras: extras,
    book: opt(fc.record({ entries: fc.array(entry, { maxLength: 3 }), extra: extras })),
    extensions: extras,
    stTalkativeness: opt(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('0.3', 'x'))),
    troupe: opt(troupe),
  })
  .map((c) => ({
    ...c.top,
    spec: c.spec,
    spec_version: c.spec === 'chara_card_v2' ? '2.0' : '3.0',
    data: {
      ...c.dataExtras,
      ...c.fields,
      ...(c.book ? { character_book: { ...c.book.extra, entries: c.book.entries } } : {}),
      extensions: dropUndefined({ ...c.extensions, talkativeness: c.stTalkativeness, troupe: c.troupe }),
    },
    generated: c,
  }));

function dropUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

function exportedCard(bytes: Uint8Array, format: ExportFormat): Json {
  if (format !== 'v2-png') return parseJsonBytes(bytes) as Json;
  const chara = plainTexts(bytes).get('chara')![0]!;
  return JSON.parse(Buffer.from(chara, 'base64').toString('utf8')) as Json;
}

describe('import → export → import', () => {
  it.each(['v2-json', 'v3-json', 'v2-png'] as const)(
    'when any well-formed card goes out as %s and back, then the draft, the lorebook and the unknown fields are unchanged',
    (format) => {
      fc.assert(
        fc.property(card, (value) => {
          // Through JSON first, as a card always is: it cannot hold -0 or undefined.
          const { generated, ...raw } = JSON.parse(JSON.stringify(value)) as typeof value;
          const first = importCard({ bytes: jsonBytes(raw) });
          const exported = exportCard(
            { ...first.draft, knowledge: first.knowledge },
            { format, raw: first.raw },
          );
          const second = importCard({ bytes: exported.bytes });
          expect(second.draft).toEqual(first.draft);
          expect(second.knowledge).toEqual(first.knowledge);

          const out = exportedCard(exported.bytes, format);
          const data = out.data as Json;
          expect(out).toMatchObject(generated.top);
          expect(data).toMatchObject(generated.dataExtras);
          const { troupe: _t, ...otherTools } = generated.extensions as Json;
          expect(data.extensions).toMatchObject(otherTools);
          if (generated.book) {
            const book = data.character_book as Json;
            expect(book).toMatchObject(generated.book.extra);
            expect(book.entries).toEqual(generated.book.entries);
          }
        }),
        params,
      );
    },
  );
});
