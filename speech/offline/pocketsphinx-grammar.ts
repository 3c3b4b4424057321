import { readFile } from 'node:fs/promises';

/**
 * Known phrases as a JSGF grammar for pocketsphinx. A phrase can only be recognised if every
 * word has a pronunciation in the dictionary, so phrases are normalised to its spelling
 * (lower case, letters and apostrophes) and phrases with unknown words are set aside.
 */

export interface PhraseGrammar {
  /** JSGF source, or undefined when no phrase survived. */
  jsgf: string | undefined;
  /** Normalised phrase → the phrase as the caller wrote it (what the transcript reports). */
  phrases: Map<string, string>;
  /** Phrases left out, with the words the dictionary lacks. */
  rejected: Array<{ phrase: string; unknownWords: string[] }>;
}

/** A phrase in the dictionary's spelling: "What's your name?" → "what's your name". */
export function normalizePhrase(phrase: string): string {
  return phrase
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[^a-z0-9' ]+/g, ' ')
    .replace(/(^|\s)'+|'+(?=\s|$)/g, ' ') // quotes around words, not apostrophes inside them
    .replace(/\s+/g, ' ')
    .trim();
}

export function buildPhraseGrammar(
  phrases: readonly string[],
  dictionary: ReadonlySet<string>,
): PhraseGrammar {
  const accepted = new Map<string, string>();
  const rejected: PhraseGrammar['rejected'] = [];
  for (const phrase of phrases) {
    const normalized = normalizePhrase(phrase);
    if (!normalized) continue;
    const unknownWords = normalized.split(' ').filter((w) => !dictionary.has(w));
    if (unknownWords.length > 0) rejected.push({ phrase, unknownWords });
    else if (!accepted.has(normalized)) accepted.set(normalized, phrase.trim());
  }
  const alternatives = [...accepted.keys()];
  const jsgf = alternatives.length
    ? ['#JSGF V1.0;', 'grammar troupe;', `public <phrase> = ${alternatives.join(' | ')};`, ''].join('\n')
    : undefined;
  return { jsgf, phrases: accepted, rejected };
}

const dictionaries = new Map<string, Promise<Set<string>>>();

/**
 * The words of a CMU-format pronouncing dictionary (`word  P R O N`, alternates as `word(2)`).
 * Read once per process and path: the en-us dictionary is 3 MB.
 */
export function loadDictionaryWords(path: string): Promise<Set<string>> {
  let words = dictionaries.get(path);
  if (!words) {
    words = readFile(path, 'utf8').then((text) => {
      const set = new Set<string>();
      for (const line of text.split('\n')) {
        const word = line.slice(0, line.indexOf(' ')).replace(/\(\d+\)$/, '');
        if (word) set.add(word);
      }
      return set;
    });
    words.catch(() => dictionaries.delete(path));
    dictionaries.set(path, words);
  }
  return words;
}
