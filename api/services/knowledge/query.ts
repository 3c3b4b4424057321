// Turning anything a person typed or said into a full-text query that cannot fail. Pure.
//
// Terms are taken as runs of letters and digits only, so nothing tsquery's parser treats as syntax
// (`& | ! ( ) : * ' <->`) can reach it: no user text raises a tsquery syntax error. They are ORed
// rather than ANDed (websearch_to_tsquery ANDs): a spoken question rarely contains every word of the
// passage that answers it, and ts_rank_cd already ranks passages matching more terms higher.

/** Most terms a query keeps; a longer question keeps its first ones. */
export const MAX_QUERY_TERMS = 48;
/** Longer "words" are noise (hashes, base64) and only slow the query down. */
const MAX_TERM_CHARS = 64;

/** The query's distinct words, lower-cased, in order. */
export function queryTerms(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text
    .normalize('NFKC')
    .toLowerCase()
    .matchAll(/[\p{L}\p{N}]+/gu)) {
    const term = m[0];
    if (term.length > MAX_TERM_CHARS || seen.has(term)) continue;
    seen.add(term);
    if (seen.size === MAX_QUERY_TERMS) break;
  }
  return [...seen];
}

/** Postgres's `english` stop words (tsearch_data/english.stop): to_tsquery drops them anyway. */
const STOP_WORDS = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers ' +
    'herself it its itself they them their theirs themselves what which who whom this that these those am is ' +
    'are was were be been being have has had having do does did doing a an the and but if or because as until ' +
    'while of at by for with about against between into through during before after above below to from up ' +
    'down in out on off over under again further then once here there when where why how all any both each few ' +
    'more most other some such no nor not only own same so than too very s t can will just don should now'
  ).split(' '),
);

/** Most terms the pairwise tier combines: n terms make n·(n−1)/2 pairs. */
const MAX_PAIR_TERMS = 8;

/**
 * The full-text queries to try in turn, most selective first: every term (`a & b & c`), any two of
 * them, any one. Ranking every passage that shares one common word with the question is what makes
 * search slow on a large collection (each match's tsvector is read and ranked), and a passage with
 * all the words is the better answer anyway; later tiers run only when earlier ones find too little.
 * Empty when the text has no words other than stop words.
 */
export function tieredTsqueries(terms: readonly string[]): string[] {
  const content = terms.filter((t) => !STOP_WORDS.has(t));
  if (content.length === 0) return [];
  const tiers = [content.join(' & ')];
  const paired = content.slice(0, MAX_PAIR_TERMS);
  if (paired.length > 2) {
    const pairs: string[] = [];
    for (let i = 0; i < paired.length; i++)
      for (let j = i + 1; j < paired.length; j++) pairs.push(`(${paired[i]} & ${paired[j]})`);
    tiers.push(pairs.join(' | '));
  }
  if (content.length > 1) tiers.push(content.join(' | '));
  return tiers;
}

/** Words of a text as keys are matched: lower-cased runs of letters and digits. */
export function wordsOf(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/**
 * Whether a lorebook key is in the query, as whole words (`cat` is not in `category`), ignoring
 * case and punctuation: that is what brings a lorebook entry into a turn.
 */
export function keyMatches(key: string, queryWords: readonly string[]): boolean {
  const k = wordsOf(key);
  if (k.length === 0) return false;
  return ` ${queryWords.join(' ')} `.includes(` ${k.join(' ')} `);
}
