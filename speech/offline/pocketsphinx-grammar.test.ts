import { describe, expect, it } from 'vitest';
import { buildPhraseGrammar, normalizePhrase } from './pocketsphinx-grammar.ts';

const dictionary = new Set(['hello', 'how', 'are', 'you', "what's", 'your', 'name']);

describe('pocketsphinx phrase grammar', () => {
  it('when phrases carry case, punctuation and curly quotes, then they are normalised to dictionary spelling', () => {
    expect(normalizePhrase('  Hello, how ARE you?! ')).toBe('hello how are you');
    expect(normalizePhrase('What\u2019s your name?')).toBe("what's your name");
    expect(normalizePhrase("'quoted' words")).toBe('quoted words');
    expect(normalizePhrase('?!')).toBe('');
  });

  it('when phrases are built, then the grammar lists each once and maps it back to the phrase as written', () => {
    const g = buildPhraseGrammar(
      ['Hello, how are you?', 'hello how are you', "What's your name?"],
      dictionary,
    );
    expect(g.jsgf).toBe(
      ['#JSGF V1.0;', 'grammar troupe;', "public <phrase> = hello how are you | what's your name;", ''].join(
        '\n',
      ),
    );
    expect(g.phrases.get('hello how are you')).toBe('Hello, how are you?');
    expect(g.rejected).toEqual([]);
  });

  it('when a phrase has a word the dictionary lacks, then it is rejected with that word, and none left means no grammar', () => {
    const g = buildPhraseGrammar(['Hello Zorblax', 'Call 911'], dictionary);
    expect(g.jsgf).toBeUndefined();
    expect(g.rejected).toEqual([
      { phrase: 'Hello Zorblax', unknownWords: ['zorblax'] },
      { phrase: 'Call 911', unknownWords: ['call', '911'] },
    ]);
  });
});
