import pluralize from 'pluralize';
import Sentiment from 'sentiment';
import { eng } from 'stopword';

/** How a person's turn reads: AFINN-165 through the `sentiment` package, negation included. */
export type SentimentLabel = 'positive' | 'negative' | 'neutral';

export interface TurnSentiment {
  /** Sum of the AFINN valences of the turn's words (−5…+5 each; "not good" flips "good"). */
  score: number;
  /** Positive above 0, negative below, neutral at 0 (no rated word, or ratings that cancel). */
  label: SentimentLabel;
}

const analyzer = new Sentiment();

export function sentimentOf(text: string): TurnSentiment {
  const { score } = analyzer.analyze(text);
  return { score, label: score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral' };
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

/** Words as a person would count them: runs of letters and digits, contractions kept whole. */
export function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

/**
 * Words that carry no topic in speech, on top of the `stopword` package's English list: fillers,
 * greetings, the verbs of asking and the commonest adverbs.
 */
const SPOKEN_STOP_WORDS = (
  'yeah yes yep nope okay ok um uh umm hmm mm oh ah hey hi hello bye thanks thank please sorry ' +
  'sure right well just really actually maybe probably pretty kind sort thing things something ' +
  'anything nothing everything someone anyone lot lots bit stuff know think mean want tell say ' +
  'said talk let go going gonna wanna gotta does doing done not no so then there again ever even ' +
  'also always today yesterday tomorrow one two good great nice cool fine new old little big last ' +
  'next first back around about why what when who whom your yours mine ours its she they'
).split(' ');
const STOP = new Set([...eng, ...SPOKEN_STOP_WORDS]);

/** Shortest term kept: two-letter words are almost all function words in English speech. */
const MIN_TERM_LENGTH = 3;

/**
 * The topic words of a turn, normalised: lowercased, possessive `'s` dropped, plurals made
 * singular (`pluralize`), stop words and numbers removed, contractions (`don't`, `I'm`) dropped.
 */
export function termsOf(text: string): string[] {
  const terms: string[] = [];
  for (const raw of wordsOf(text.toLowerCase())) {
    const word = raw.replace(/['’]s$/u, '');
    if (/['’]/u.test(word) || /\p{N}/u.test(word) || word.length < MIN_TERM_LENGTH) continue;
    if (STOP.has(word)) continue;
    const term = pluralize.singular(word);
    if (term.length >= MIN_TERM_LENGTH && !STOP.has(term)) terms.push(term);
  }
  return terms;
}
