import { sentimentOf, termsOf, wordsOf } from './text.ts';

/** The fields of a stored turn that engagement reads. */
export interface EngagementTurn {
  id: string;
  role: 'user' | 'assistant';
  /** The character's id for a reply; the person's identity for a user turn. */
  speaker: string;
  text: string;
  interrupted: boolean;
  /** Where a user turn came from (`voice`, `chat`, `autonomous`, …). */
  source: string;
  startedAt: Date;
  endedAt: Date;
}

/**
 * A person turn answers a character reply (a follow-up) when it comes right after that reply in
 * the session (no other turn between them) and starts at most this long after the reply ended.
 * A barge-in (the person starting before the reply ended) is a follow-up too.
 */
export const FOLLOW_UP_WINDOW_MS = 30_000;

/**
 * People's turns: user turns spoken in the room or typed in chat; not the prompts characters give
 * themselves (`autonomous`) nor lines asked for through the show-control API (`api`).
 */
export const isPersonTurn = (t: Pick<EngagementTurn, 'role' | 'source'>): boolean =>
  t.role === 'user' && (t.source === 'voice' || t.source === 'chat');

/** Turns in a session are ordered by start, then id, so that ties order the same way everywhere. */
export function compareTurns(a: Pick<EngagementTurn, 'startedAt' | 'id'>, b: typeof a): number {
  return a.startedAt.getTime() - b.startedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The character whose reply `turn` follows up, or null. */
export function followedCharacter(
  previous: Pick<EngagementTurn, 'role' | 'speaker' | 'endedAt'> | undefined,
  turn: Pick<EngagementTurn, 'role' | 'source' | 'startedAt'>,
): string | null {
  if (!previous || previous.role !== 'assistant' || !isPersonTurn(turn)) return null;
  return turn.startedAt.getTime() - previous.endedAt.getTime() <= FOLLOW_UP_WINDOW_MS
    ? previous.speaker
    : null;
}

/** A session's person-side counters (the `session_engagement` row). */
export interface PersonCounters {
  personTurns: number;
  personWords: number;
  positiveTurns: number;
  negativeTurns: number;
  neutralTurns: number;
  sentimentScore: number;
  firstTurnAt: Date | null;
  lastTurnAt: Date | null;
}

/** One character's counters in a session (a `session_character_engagement` row). */
export interface CharacterCounters {
  replies: number;
  interruptedReplies: number;
  followUps: number;
}

/** Everything the rollups hold for one session, derived from its turns alone. */
export interface SessionTally {
  person: PersonCounters;
  characters: Map<string, CharacterCounters>;
  terms: Map<string, number>;
  /** Per turn id: the character it follows up, or null. */
  follows: Map<string, string | null>;
}

export const emptyPersonCounters = (): PersonCounters => ({
  personTurns: 0,
  personWords: 0,
  positiveTurns: 0,
  negativeTurns: 0,
  neutralTurns: 0,
  sentimentScore: 0,
  firstTurnAt: null,
  lastTurnAt: null,
});

export const emptyCharacterCounters = (): CharacterCounters => ({
  replies: 0,
  interruptedReplies: 0,
  followUps: 0,
});

/** What one turn adds by itself (its follow-up status aside, which depends on its neighbours). */
export interface TurnContribution {
  person: PersonCounters;
  /** For a reply: its character and whether it was cut short. */
  reply: { characterId: string; interrupted: boolean } | undefined;
  terms: Map<string, number>;
}

export function contributionOf(turn: EngagementTurn): TurnContribution {
  const person = emptyPersonCounters();
  person.firstTurnAt = turn.startedAt;
  person.lastTurnAt = turn.endedAt;
  const terms = new Map<string, number>();
  if (isPersonTurn(turn)) {
    const sentiment = sentimentOf(turn.text);
    person.personTurns = 1;
    person.personWords = wordsOf(turn.text).length;
    person.sentimentScore = sentiment.score;
    if (sentiment.label === 'positive') person.positiveTurns = 1;
    else if (sentiment.label === 'negative') person.negativeTurns = 1;
    else person.neutralTurns = 1;
    for (const term of termsOf(turn.text)) terms.set(term, (terms.get(term) ?? 0) + 1);
  }
  const reply =
    turn.role === 'assistant' ? { characterId: turn.speaker, interrupted: turn.interrupted } : undefined;
  return { person, reply, terms };
}

const earlier = (a: Date | null, b: Date | null) => (a === null ? b : b === null || a <= b ? a : b);
const later = (a: Date | null, b: Date | null) => (a === null ? b : b === null || a >= b ? a : b);

export function addPerson(into: PersonCounters, add: PersonCounters): void {
  into.personTurns += add.personTurns;
  into.personWords += add.personWords;
  into.positiveTurns += add.positiveTurns;
  into.negativeTurns += add.negativeTurns;
  into.neutralTurns += add.neutralTurns;
  into.sentimentScore += add.sentimentScore;
  into.firstTurnAt = earlier(into.firstTurnAt, add.firstTurnAt);
  into.lastTurnAt = later(into.lastTurnAt, add.lastTurnAt);
}

/** A session's tally computed from scratch over all of its turns, in any order. */
export function tallySession(turns: readonly EngagementTurn[]): SessionTally {
  const ordered = [...turns].sort(compareTurns);
  const tally: SessionTally = {
    person: emptyPersonCounters(),
    characters: new Map(),
    terms: new Map(),
    follows: new Map(),
  };
  const counters = (id: string) => {
    let c = tally.characters.get(id);
    if (!c) tally.characters.set(id, (c = emptyCharacterCounters()));
    return c;
  };
  ordered.forEach((turn, i) => {
    const { person, reply, terms } = contributionOf(turn);
    addPerson(tally.person, person);
    if (reply) {
      const c = counters(reply.characterId);
      c.replies += 1;
      if (reply.interrupted) c.interruptedReplies += 1;
    }
    for (const [term, n] of terms) tally.terms.set(term, (tally.terms.get(term) ?? 0) + n);
    const follows = followedCharacter(ordered[i - 1], turn);
    tally.follows.set(turn.id, follows);
    if (follows !== null) counters(follows).followUps += 1;
  });
  return tally;
}
