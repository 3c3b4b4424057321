import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkDocument, firstMarkdownHeading } from './chunker.ts';

const words = (text: string) => new Set(text.match(/[\p{L}\p{N}]+/gu) ?? []);

describe('chunkDocument', () => {
  it('when Markdown has nested headings, then each passage carries its heading path', () => {
    const md = [
      '# Harbour town',
      'A small town by the sea.',
      '## The lighthouse',
      'Kept by Old Marta since 1962.',
      '### Its lamp',
      'A Fresnel lens, first order.',
      '## The market',
      'Fish on Tuesdays.',
    ].join('\n');
    expect(chunkDocument(md, 'markdown')).toEqual([
      { ordinal: 0, heading: 'Harbour town', content: 'A small town by the sea.' },
      { ordinal: 1, heading: 'Harbour town › The lighthouse', content: 'Kept by Old Marta since 1962.' },
      {
        ordinal: 2,
        heading: 'Harbour town › The lighthouse › Its lamp',
        content: 'A Fresnel lens, first order.',
      },
      { ordinal: 3, heading: 'Harbour town › The market', content: 'Fish on Tuesdays.' },
    ]);
  });

  it('when a # line is inside fenced code, then it is not a heading', () => {
    const md = '# Setup\n```sh\n# install it\nnpm i\n```\n';
    const chunks = chunkDocument(md, 'markdown');
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.heading).toBe('Setup');
    expect(chunks[0]!.content).toContain('# install it');
  });

  it('when paragraphs are short, then they are packed together up to the limit', () => {
    const paragraphs = Array.from({ length: 10 }, (_, i) => `Paragraph ${i} ${'word '.repeat(30).trim()}.`);
    const chunks = chunkDocument(paragraphs.join('\n\n'), 'text', { maxChars: 800 });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(paragraphs.length);
    for (const c of chunks) expect(c.content.length).toBeLessThanOrEqual(800);
    expect(chunks[0]!.content.startsWith('Paragraph 0')).toBe(true);
  });

  it('when a paragraph is longer than the limit, then it is split at sentence ends with an overlap', () => {
    const sentences = Array.from(
      { length: 40 },
      (_, i) => `Sentence number ${i} tells of the harbour and its boats.`,
    );
    const chunks = chunkDocument(sentences.join(' '), 'text', { maxChars: 300, overlapChars: 80 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.content.length).toBeLessThanOrEqual(300);
      expect(c.content).toMatch(/^Sentence number \d+/);
      expect(c.content).toMatch(/boats\.$/);
    }
    // The last sentence of one passage opens the next.
    const lastOfFirst = chunks[0]!.content.split('. ').at(-1)!;
    expect(chunks[1]!.content.startsWith(lastOfFirst.replace(/\.$/, ''))).toBe(true);
  });

  it('when the input is blank, then there are no passages', () => {
    expect(chunkDocument('  \n\n \r\n', 'text')).toEqual([]);
    expect(chunkDocument('', 'markdown')).toEqual([]);
  });

  it('when any text is chunked, then no passage is over the limit and no word is lost', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('a', 'b', ' ', '.', '\n', '#', 'Z', 'é', '!', '`'),
          maxLength: 3000,
        }),
        fc.constantFrom('text' as const, 'markdown' as const),
        fc.integer({ min: 40, max: 900 }),
        (text, format, maxChars) => {
          const chunks = chunkDocument(text, format, { maxChars });
          const seen = new Set<string>();
          for (const c of chunks) {
            expect(c.content.length).toBeLessThanOrEqual(maxChars);
            expect(c.content.trim()).toBe(c.content);
            for (const w of words(`${c.heading} ${c.content}`)) seen.add(w);
          }
          for (const w of words(text)) expect(seen.has(w)).toBe(true);
          expect(chunkDocument(text, format, { maxChars })).toEqual(chunks);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('firstMarkdownHeading', () => {
  it('when a document has headings, then the first is its title', () => {
    expect(firstMarkdownHeading('intro\n\n## **The** Harbour ##\n# Later')).toBe('The Harbour');
    expect(firstMarkdownHeading('no headings here')).toBeUndefined();
  });
});
