import { and, eq, exists, inArray, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { messages, sessionCharacters, sessions } from '../../db/schema.ts';
import {
  DEFAULT_ANALYTICS_RANGE_DAYS,
  MAX_ANALYTICS_RANGE_DAYS,
  type Analytics,
  type AnalyticsQuery,
  type Percentiles,
} from '../../protocol/index.ts';
import { BadRequestError } from '../errors.ts';

const DAY_MS = 24 * 3600 * 1000;

/** Whose sessions an analytics request covers. */
export interface AnalyticsScope {
  /** Only this account's sessions; undefined: everyone's. */
  ownerId?: string;
  /** Only the sessions this character was in, and only its own replies. */
  characterId?: string;
}

export interface AnalyticsRange {
  from: Date;
  to: Date;
}

/** The range of a query: `to` defaults to now, `from` to 30 days before `to`; at most 366 days. */
export function analyticsRange(query: AnalyticsQuery, now = new Date()): AnalyticsRange {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from
    ? new Date(query.from)
    : new Date(to.getTime() - DEFAULT_ANALYTICS_RANGE_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) throw new BadRequestError('from must be before to');
  if (to.getTime() - from.getTime() > MAX_ANALYTICS_RANGE_DAYS * DAY_MS)
    throw new BadRequestError(`the range may cover at most ${MAX_ANALYTICS_RANGE_DAYS} days`);
  return { from, to };
}

const int = (expr: SQL) => sql<number>`(${expr})::int`.mapWith(Number);
const float = (expr: SQL) =>
  sql<number | null>`(${expr})::float8`.mapWith((v) => (v === null ? null : Number(v)));
const percentile = (fraction: number, column: AnyColumn) =>
  float(sql`percentile_cont(${sql.raw(String(fraction))}) within group (order by ${column})`);
const minutesOf = (expr: SQL) => float(sql`round(coalesce(sum(${expr}), 0)::numeric / 60000, 2)`);

/** The sessions an analytics request covers: created in the range, by the scope's owner and character. */
export function sessionsInScope(db: Db, scope: AnalyticsScope, range: AnalyticsRange): SQL | undefined {
  return and(
    sql`${sessions.createdAt} >= ${range.from.toISOString()}::timestamptz`,
    sql`${sessions.createdAt} < ${range.to.toISOString()}::timestamptz`,
    scope.ownerId === undefined ? undefined : eq(sessions.ownerId, scope.ownerId),
    scope.characterId === undefined
      ? undefined
      : exists(
          db
            .select({ one: sql`1` })
            .from(sessionCharacters)
            .where(
              and(
                eq(sessionCharacters.sessionId, sessions.id),
                eq(sessionCharacters.characterId, scope.characterId),
              ),
            ),
        ),
  );
}

/** Usage and latency figures, all computed by the database (Postgres and PGlite alike). */
export class AnalyticsService {
  constructor(private readonly db: Db) {}

  async compute(scope: AnalyticsScope, range: AnalyticsRange): Promise<Analytics> {
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    const inScope = sessionsInScope(this.db, scope, range);
    const sessionIds = this.db.select({ id: sessions.id }).from(sessions).where(inScope);
    const inSessions = inArray(messages.sessionId, sessionIds);
    const reply = and(
      eq(messages.role, 'assistant'),
      scope.characterId === undefined ? undefined : eq(messages.speaker, scope.characterId),
    );

    const [totals] = await this.db
      .select({ sessions: int(sql`count(*)`), minutes: minutesOf(sql`${sessions.durationMs}`) })
      .from(sessions)
      .where(inScope);
    const [turns] = await this.db
      .select({
        turns: int(sql`count(*) filter (where ${messages.role} = 'user')`),
        replies: int(sql`count(*) filter (where ${reply})`),
        interruptions: int(sql`count(*) filter (where ${reply} and ${messages.interrupted})`),
      })
      .from(messages)
      .where(inSessions);
    // Replies carry the latency figures of the turn they answer.
    const [latency] = await this.db
      .select({
        v2v50: percentile(0.5, messages.voiceToVoiceMs),
        v2v95: percentile(0.95, messages.voiceToVoiceMs),
        llm50: percentile(0.5, messages.llmTtftMs),
        llm95: percentile(0.95, messages.llmTtftMs),
        tts50: percentile(0.5, messages.ttsTtfbMs),
        tts95: percentile(0.95, messages.ttsTtfbMs),
      })
      .from(messages)
      .where(and(inSessions, reply));
    const hour = sql`extract(hour from ${sessions.createdAt} at time zone 'UTC')`;
    const hours = await this.db
      .select({ hour: int(hour), sessions: int(sql`count(*)`) })
      .from(sessions)
      .where(inScope)
      .groupBy(hour);
    const day = sql`to_char(${sessions.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
    const days = await this.db
      .select({
        date: sql<string>`${day}`,
        sessions: int(sql`count(*)`),
        minutes: minutesOf(sql`${sessions.durationMs}`),
      })
      .from(sessions)
      .where(inScope)
      .groupBy(day);

    const byHour = new Map(hours.map((h) => [h.hour, h.sessions]));
    const byDay = new Map(days.map((d) => [d.date, d]));
    const pair = (p50: number | null | undefined, p95: number | null | undefined): Percentiles => ({
      p50: p50 ?? null,
      p95: p95 ?? null,
    });
    return {
      range: { from, to },
      sessions: totals?.sessions ?? 0,
      minutes: totals?.minutes ?? 0,
      turns: turns?.turns ?? 0,
      replies: turns?.replies ?? 0,
      interruptions: turns?.interruptions ?? 0,
      voiceToVoiceMs: pair(latency?.v2v50, latency?.v2v95),
      llmTtftMs: pair(latency?.llm50, latency?.llm95),
      ttsTtfbMs: pair(latency?.tts50, latency?.tts95),
      busiestHours: Array.from({ length: 24 }, (_, h) => ({ hour: h, sessions: byHour.get(h) ?? 0 })),
      perDay: utcDays(range).map((date) => ({
        date,
        sessions: byDay.get(date)?.sessions ?? 0,
        minutes: byDay.get(date)?.minutes ?? 0,
      })),
    };
  }
}

/** Every UTC date the range touches, in order (`to` is exclusive). */
export function utcDays({ from, to }: AnalyticsRange): string[] {
  const out: string[] = [];
  const last = new Date(to.getTime() - 1).toISOString().slice(0, 10);
  for (let d = new Date(from.toISOString().slice(0, 10)); ; d = new Date(d.getTime() + DAY_MS)) {
    const date = d.toISOString().slice(0, 10);
    out.push(date);
    if (date >= last) return out;
  }
}
