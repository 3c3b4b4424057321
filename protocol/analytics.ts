import { z } from 'zod';

/** Longest range one analytics request may cover. */
export const MAX_ANALYTICS_RANGE_DAYS = 366;
/** The range when none is given: the last 30 days. */
export const DEFAULT_ANALYTICS_RANGE_DAYS = 30;

/**
 * Query of the analytics endpoints: ISO instants on the sessions' creation time, `from` inclusive,
 * `to` exclusive. Left out: `to` is now and `from` 30 days before `to`.
 */
export const AnalyticsQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe('Start, inclusive (default: 30 days before to)'),
  to: z.iso.datetime({ offset: true }).optional().describe('End, exclusive (default: now)'),
});
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

/** Median and 95th percentile in milliseconds; null when no turn measured it. */
export const Percentiles = z.object({ p50: z.number().nullable(), p95: z.number().nullable() });
export type Percentiles = z.infer<typeof Percentiles>;

export const Analytics = z.object({
  range: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
  sessions: z.number().int().nonnegative(),
  /** Summed duration of the sessions, in minutes (two decimals). */
  minutes: z.number().nonnegative(),
  /** The callers' turns. */
  turns: z.number().int().nonnegative(),
  /** The characters' replies (for a character: its own). */
  replies: z.number().int().nonnegative(),
  /** Replies cut short by a caller. */
  interruptions: z.number().int().nonnegative(),
  voiceToVoiceMs: Percentiles,
  llmTtftMs: Percentiles,
  ttsTtfbMs: Percentiles,
  /** Sessions started in each hour of the day (UTC), all 24 hours in order. */
  busiestHours: z.array(z.object({ hour: z.number().int().min(0).max(23), sessions: z.number().int() })),
  /** Every UTC day of the range, in order. */
  perDay: z.array(
    z.object({ date: z.iso.date(), sessions: z.number().int().nonnegative(), minutes: z.number() }),
  ),
});
export type Analytics = z.infer<typeof Analytics>;
