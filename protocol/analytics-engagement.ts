import { z } from 'zod';
import { AnalyticsQuery } from './analytics.ts';

/** Top topics listed when `?topics=` is left out. */
export const DEFAULT_ENGAGEMENT_TOPICS = 20;
/** Most recent sessions listed when `?sessions=` is left out. */
export const DEFAULT_ENGAGEMENT_SESSIONS = 20;

const queryCount = z.coerce.number().int().nonnegative();
const count = z.number().int().nonnegative();

/**
 * Query of the engagement endpoints: the analytics range (on the sessions' creation time), how
 * many top topics and recent sessions to list, and `format=csv` for every session's row as CSV.
 */
export const EngagementQuery = AnalyticsQuery.extend({
  topics: queryCount.optional().describe(`Top topics to list (default ${DEFAULT_ENGAGEMENT_TOPICS})`),
  sessions: queryCount
    .optional()
    .describe(`Most recent sessions to list (default ${DEFAULT_ENGAGEMENT_SESSIONS})`),
  format: z.enum(['json', 'csv']).optional().describe('csv: every session of the range as CSV rows'),
});
export type EngagementQuery = z.infer<typeof EngagementQuery>;

/** A ratio or a mean; null when its denominator is zero (nothing to divide by). */
const Ratio = z.number().nullable();

/** How people's turns read (AFINN-165 lexicon scores, negation included). */
export const SentimentFigures = z.object({
  positive: count,
  negative: count,
  neutral: count,
  /** Mean lexicon score of a person turn (each word −5…+5, summed over the turn). */
  meanScore: Ratio,
  /** (positive − negative) / person turns: from −1 (all negative) to +1 (all positive). */
  net: Ratio,
});
export type SentimentFigures = z.infer<typeof SentimentFigures>;

/** Counters shared by a session's row and a character's totals. */
const EngagementCounters = z.object({
  /** People's turns (spoken or typed; not the characters' own initiative). */
  personTurns: count,
  personWords: count,
  /** The character's replies (a session's own row without a character: every character's). */
  replies: count,
  /** Replies cut short by a person (barge-ins). */
  interruptions: count,
  /** Person turns that answered a reply: right after it, starting within 30 s of its end. */
  followUps: count,
  /** (person turns + replies) per minute of session. */
  turnsPerMinute: Ratio,
  wordsPerPersonTurn: Ratio,
  /** Follow-ups per reply. */
  followUpRate: Ratio,
  /** Interruptions per reply. */
  bargeInsPerReply: Ratio,
  sentiment: SentimentFigures,
});

export const SessionEngagement = EngagementCounters.extend({
  sessionId: z.uuid(),
  createdAt: z.iso.datetime(),
  mode: z.enum(['call', 'group']),
  /** The session's duration once ended; before that, from its first turn's start to its last's end. */
  lengthMs: z.number().nonnegative().nullable(),
});
export type SessionEngagement = z.infer<typeof SessionEngagement>;

export const TopicCount = z.object({ term: z.string(), count: z.number().int().positive() });
export type TopicCount = z.infer<typeof TopicCount>;

/** `GET /api/analytics/characters/:id/engagement`: how a character lands with people over a range. */
export const CharacterEngagement = EngagementCounters.extend({
  characterId: z.string(),
  range: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
  sessions: count,
  /** Accounts that started a session with the character in the range. */
  people: count,
  /** Of those, the accounts with more than one session. */
  returningPeople: count,
  /** returningPeople / people. */
  returnRate: Ratio,
  /** Session length in minutes over the sessions whose length is known. */
  sessionMinutes: z.object({ mean: Ratio, median: Ratio }),
  /** Every UTC day of the range, in order, by the sessions' creation day. */
  sentimentPerDay: z.array(SentimentFigures.extend({ date: z.iso.date(), personTurns: count })),
  /** The terms people said most in these sessions, most said first. */
  topics: z.array(TopicCount),
  /** The latest sessions, newest first (every session: `?format=csv`). */
  recentSessions: z.array(SessionEngagement),
});
export type CharacterEngagement = z.infer<typeof CharacterEngagement>;

/** `GET /api/analytics/sessions/:id/engagement`: one session, with each character's share. */
export const SessionEngagementDetail = SessionEngagement.extend({
  characters: z.array(
    z.object({
      characterId: z.string(),
      replies: count,
      interruptions: count,
      followUps: count,
      followUpRate: Ratio,
      bargeInsPerReply: Ratio,
    }),
  ),
  topics: z.array(TopicCount),
});
export type SessionEngagementDetail = z.infer<typeof SessionEngagementDetail>;

/** The columns of the CSV export, in order: one row per session. */
export const ENGAGEMENT_CSV_COLUMNS = [
  'session_id',
  'created_at',
  'mode',
  'length_ms',
  'person_turns',
  'person_words',
  'replies',
  'interruptions',
  'follow_ups',
  'turns_per_minute',
  'words_per_person_turn',
  'follow_up_rate',
  'barge_ins_per_reply',
  'positive_turns',
  'negative_turns',
  'neutral_turns',
  'mean_sentiment',
  'net_sentiment',
] as const;
