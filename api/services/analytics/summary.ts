import type {
  CharacterEngagement,
  SentimentFigures,
  SessionEngagement,
  TopicCount,
} from '../../../protocol/index.ts';
import type { CharacterCounters, PersonCounters } from './tally.ts';

/**
 * One session as engagement sees it: its person-side counters and the replies side, either one
 * character's (a character's figures) or every character's summed (a session's own figures).
 * Both the rollups and the from-scratch baseline produce these; everything below is shared.
 */
export interface SessionFigures {
  sessionId: string;
  createdAt: Date;
  mode: 'call' | 'group';
  ownerId: string | null;
  durationMs: number | null;
  person: PersonCounters;
  replies: CharacterCounters;
}

const MINUTE_MS = 60_000;

/** Figures are rounded to 4 decimals, so that sums taken in another order compare equal. */
const round = (v: number): number => Math.round(v * 1e4) / 1e4;
export const ratio = (num: number, den: number): number | null => (den > 0 ? round(num / den) : null);

/** The session's duration once ended; else the span of its turns; null with neither. */
export function lengthMsOf(row: Pick<SessionFigures, 'durationMs' | 'person'>): number | null {
  if (row.durationMs !== null) return row.durationMs;
  const { firstTurnAt, lastTurnAt } = row.person;
  return firstTurnAt && lastTurnAt ? Math.max(0, lastTurnAt.getTime() - firstTurnAt.getTime()) : null;
}

export function sentimentFigures(p: Omit<PersonCounters, 'firstTurnAt' | 'lastTurnAt'>): SentimentFigures {
  return {
    positive: p.positiveTurns,
    negative: p.negativeTurns,
    neutral: p.neutralTurns,
    meanScore: ratio(p.sentimentScore, p.personTurns),
    net: ratio(p.positiveTurns - p.negativeTurns, p.personTurns),
  };
}

type Counted = Omit<PersonCounters, 'firstTurnAt' | 'lastTurnAt'> & CharacterCounters;

function counterFigures(c: Counted, lengthMs: number) {
  return {
    personTurns: c.personTurns,
    personWords: c.personWords,
    replies: c.replies,
    interruptions: c.interruptedReplies,
    followUps: c.followUps,
    turnsPerMinute: ratio(c.personTurns + c.replies, lengthMs / MINUTE_MS),
    wordsPerPersonTurn: ratio(c.personWords, c.personTurns),
    followUpRate: ratio(c.followUps, c.replies),
    bargeInsPerReply: ratio(c.interruptedReplies, c.replies),
    sentiment: sentimentFigures(c),
  };
}

export function sessionEngagement(row: SessionFigures): SessionEngagement {
  const lengthMs = lengthMsOf(row);
  return {
    sessionId: row.sessionId,
    createdAt: row.createdAt.toISOString(),
    mode: row.mode,
    lengthMs,
    ...counterFigures({ ...row.person, ...row.replies }, lengthMs ?? 0),
  };
}

/** The median as Postgres's percentile_cont(0.5) computes it (the mean of the middle two). */
function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
}

const emptyCounted = (): Counted => ({
  personTurns: 0,
  personWords: 0,
  positiveTurns: 0,
  negativeTurns: 0,
  neutralTurns: 0,
  sentimentScore: 0,
  replies: 0,
  interruptedReplies: 0,
  followUps: 0,
});

function addCounted(into: Counted, { person: p, replies: r }: SessionFigures): void {
  into.personTurns += p.personTurns;
  into.personWords += p.personWords;
  into.positiveTurns += p.positiveTurns;
  into.negativeTurns += p.negativeTurns;
  into.neutralTurns += p.neutralTurns;
  into.sentimentScore += p.sentimentScore;
  into.replies += r.replies;
  into.interruptedReplies += r.interruptedReplies;
  into.followUps += r.followUps;
}

export interface CharacterSummaryInput {
  characterId: string;
  range: { from: Date; to: Date };
  /** Every UTC date of the range, in order. */
  days: readonly string[];
  /** Every session in scope, in any order. */
  rows: readonly SessionFigures[];
  topics: TopicCount[];
  /** How many of the newest sessions to list. */
  recent: number;
}

/** A character's figures over a range, from its sessions' figures. */
export function characterEngagement(input: CharacterSummaryInput): CharacterEngagement {
  const { rows } = input;
  const total = emptyCounted();
  const byDay = new Map<string, Counted>(input.days.map((d) => [d, emptyCounted()]));
  const sessionsOf = new Map<string, number>();
  const lengths: number[] = [];
  for (const row of rows) {
    addCounted(total, row);
    const day = byDay.get(row.createdAt.toISOString().slice(0, 10));
    if (day) addCounted(day, row);
    if (row.ownerId !== null) sessionsOf.set(row.ownerId, (sessionsOf.get(row.ownerId) ?? 0) + 1);
    const length = lengthMsOf(row);
    if (length !== null) lengths.push(length);
  }
  const totalLengthMs = lengths.reduce((a, b) => a + b, 0);
  const people = sessionsOf.size;
  const returningPeople = [...sessionsOf.values()].filter((n) => n > 1).length;
  const med = median(lengths);
  const newest = [...rows]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.sessionId < b.sessionId ? 1 : -1))
    .slice(0, input.recent);
  return {
    characterId: input.characterId,
    range: { from: input.range.from.toISOString(), to: input.range.to.toISOString() },
    sessions: rows.length,
    people,
    returningPeople,
    returnRate: ratio(returningPeople, people),
    ...counterFigures(total, totalLengthMs),
    sessionMinutes: {
      mean: ratio(totalLengthMs / MINUTE_MS, lengths.length),
      median: med === null ? null : round(med / MINUTE_MS),
    },
    sentimentPerDay: [...byDay].map(([date, c]) => ({
      date,
      personTurns: c.personTurns,
      ...sentimentFigures(c),
    })),
    topics: input.topics,
    recentSessions: newest.map(sessionEngagement),
  };
}
