import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyMatches, queryTerms, tieredTsqueries, wordsOf } from './query.ts';

describe('full-text query building', () => {
  it('when a question is asked, then its content words are tried all together, in pairs, then alone', () => {
    const terms = queryTerms("Who keeps the old lighthouse? Marta's lamp!");
    expect(terms).toEqual(['who', 'keeps', 'the', 'old', 'lighthouse', 'marta', 's', 'lamp']);
    const [all, pairs, any] = tieredTsqueries(terms);
    expect(all).toBe('keeps & old & lighthouse & marta & lamp');
    expect(pairs).toContain('(keeps & old) | (keeps & lighthouse)');
    expect(any).toBe('keeps | old | lighthouse | marta | lamp');
    expect(tieredTsqueries(queryTerms('lighthouse'))).toEqual(['lighthouse']);
    expect(tieredTsqueries(queryTerms('what is it?'))).toEqual([]);
  });

  it('when any text is given, then the queries hold only words and tsquery operators of our own', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (text) => {
        for (const q of tieredTsqueries(queryTerms(text)))
          expect(q.replace(/[\p{L}\p{N}]+/gu, '')).toMatch(/^[ &|()]*$/);
        expect(queryTerms(text).length).toBeLessThanOrEqual(48);
      }),
    );
  });

  it('when a lorebook key is in a question as whole words, then it matches, ignoring case and punctuation', () => {
    const words = wordsOf('Tell me about the Old-Harbour, and the cat!');
    expect(keyMatches('old harbour', words)).toBe(true);
    expect(keyMatches('CAT', words)).toBe(true);
    expect(keyMatches('ca', words)).toBe(false);
    expect(keyMatches('harbour master', words)).toBe(false);
    expect(keyMatches(' ... ', words)).toBe(false);
  });
});
