import { and, asc, desc, eq, inArray, sql, type AnyColumn } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import {
  messages,
  sessionCharacterEngagement,
  sessionEngagement,
  sessions,
  sessionTerms,
} from '../../../db/schema.ts';
import type { TopicCount } from '../../../protocol/index.ts';
import { sessionsInScope, type AnalyticsRange } from '../analytics.ts';
import { turnColumns } from './rollups.ts';
import type { SessionFigures } from './summary.ts';
import {
  emptyCharacterCounters,
  emptyPersonCounters,
  tallySession,
  type CharacterCounters,
  type EngagementTurn,
} from './tally.ts';

/** One character's sessions, all of them or one account's. */
export interface EngagementScope {
  characterId: string;
  /** Only this account's sessions; undefined: everyone's. */
  ownerId?: string;
}

/** What a character's engagement is computed from. */
export interface EngagementData {
  /** Every session in scope, at most `limit` of them (more means the range holds too many). */
  rows: SessionFigures[];
  /** The `topics` terms said most, most said first, ties in code-point order. */
  topics: TopicCount[];
}

/** Where a character's engagement figures come from: the rollups, or the raw turns (baseline). */
export interface EngagementSource {
  load(
    scope: EngagementScope,
    range: AnalyticsRange,
    limits: { rows: number; topics: number },
  ): Promise<EngagementData>;
}

const sessionColumns = {
  sessionId: sessions.id,
  createdAt: sessions.createdAt,
  mode: sessions.mode,
  ownerId: sessions.ownerId,
  durationMs: sessions.durationMs,
};

/** A counter of a left-joined rollup row: 0 when the session has none yet. */
const int = (column: AnyColumn) => sql<number>`coalesce(${column}, 0)::int`.mapWith(Number);

/** Reads the rollup tables: a few thousand small rows for a character, whatever its turn count. */
export class RollupSource implements EngagementSource {
  constructor(private readonly db: Db) {}

  async load(
    scope: EngagementScope,
    range: AnalyticsRange,
    limits: { rows: number; topics: number },
  ): Promise<EngagementData> {
    return {
      rows: await this.sessionFigures(scope, range, limits.rows),
      topics: await this.topics(scope, range, limits.topics),
    };
  }

  private async sessionFigures(
    scope: EngagementScope,
    range: AnalyticsRange,
    limit: number,
  ): Promise<SessionFigures[]> {
    const e = sessionEngagement;
    const c = sessionCharacterEngagement;
    const rows = await this.db
      .select({
        ...sessionColumns,
        personTurns: int(e.personTurns),
        personWords: int(e.personWords),
        positiveTurns: int(e.positiveTurns),
        negativeTurns: int(e.negativeTurns),
        neutralTurns: int(e.neutralTurns),
        sentimentScore: sql<number>`coalesce(${e.sentimentScore}, 0)::float8`.mapWith(Number),
        firstTurnAt: e.firstTurnAt,
        lastTurnAt: e.lastTurnAt,
        replies: int(c.replies),
        interruptedReplies: int(c.interruptedReplies),
        followUps: int(c.followUps),
      })
      .from(sessions)
      .leftJoin(e, eq(e.sessionId, sessions.id))
      .leftJoin(c, and(eq(c.sessionId, sessions.id), eq(c.characterId, scope.characterId)))
      .where(sessionsInScope(this.db, scope, range))
      .limit(limit);
    return rows.map((r) => ({
      sessionId: r.sessionId,
      createdAt: r.createdAt,
      mode: r.mode,
      ownerId: r.ownerId,
      durationMs: r.durationMs,
      person: {
        personTurns: r.personTurns,
        personWords: r.personWords,
        positiveTurns: r.positiveTurns,
        negativeTurns: r.negativeTurns,
        neutralTurns: r.neutralTurns,
        sentimentScore: r.sentimentScore,
        firstTurnAt: r.firstTurnAt,
        lastTurnAt: r.lastTurnAt,
      },
      replies: { replies: r.replies, interruptedReplies: r.interruptedReplies, followUps: r.followUps },
    }));
  }

  private async topics(scope: EngagementScope, range: AnalyticsRange, count: number): Promise<TopicCount[]> {
    if (count === 0) return [];
    const inScope = this.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(sessionsInScope(this.db, scope, range));
    const total = sql<number>`sum(${sessionTerms.count})::int`.mapWith(Number);
    return (
      this.db
        .select({ term: sessionTerms.term, count: total })
        .from(sessionTerms)
        .where(inArray(sessionTerms.sessionId, inScope))
        .groupBy(sessionTerms.term)
        // "C": code-point order, as JavaScript compares strings.
        .orderBy(desc(total), sql`${sessionTerms.term} collate "C"`)
        .limit(count)
    );
  }

  /** One session's figures, every character's replies summed, and each character's share. */
  async session(sessionId: string) {
    const [row] = await this.db
      .select({ ...sessionColumns, person: sessionEngagement })
      .from(sessions)
      .leftJoin(sessionEngagement, eq(sessionEngagement.sessionId, sessions.id))
      .where(eq(sessions.id, sessionId));
    if (!row) return undefined;
    const characters = await this.db
      .select()
      .from(sessionCharacterEngagement)
      .where(eq(sessionCharacterEngagement.sessionId, sessionId))
      .orderBy(asc(sessionCharacterEngagement.characterId));
    const topics = await this.db
      .select({ term: sessionTerms.term, count: sessionTerms.count })
      .from(sessionTerms)
      .where(eq(sessionTerms.sessionId, sessionId))
      .orderBy(desc(sessionTerms.count), sql`${sessionTerms.term} collate "C"`);
    const { person, ...facts } = row;
    const { sessionId: _s, ...counters } = person ?? { sessionId, ...emptyPersonCounters() };
    const figures: SessionFigures = { ...facts, person: counters, replies: sumCounters(characters) };
    return { figures, characters, topics };
  }
}

function sumCounters(rows: readonly CharacterCounters[]): CharacterCounters {
  const sum = emptyCharacterCounters();
  for (const r of rows) {
    sum.replies += r.replies;
    sum.interruptedReplies += r.interruptedReplies;
    sum.followUps += r.followUps;
  }
  return sum;
}

/**
 * The baseline: the same figures computed from the raw turns on every request, with no rollups.
 * Kept for the benchmark and for tests that check the rollups against it.
 */
export class RawTurnSource implements EngagementSource {
  constructor(private readonly db: Db) {}

  private async tallies(scope: EngagementScope, range: AnalyticsRange, limit: number) {
    const rows = await this.db
      .select(sessionColumns)
      .from(sessions)
      .where(sessionsInScope(this.db, scope, range))
      .limit(limit);
    const turnsOf = new Map<string, EngagementTurn[]>(rows.map((r) => [r.sessionId, []]));
    const ids = rows.map((r) => r.sessionId);
    for (let i = 0; i < ids.length; i += 1000) {
      const turns = await this.db
        .select(turnColumns)
        .from(messages)
        .where(inArray(messages.sessionId, ids.slice(i, i + 1000)));
      for (const t of turns) turnsOf.get(t.sessionId)!.push(t);
    }
    return rows.map((r) => ({ row: r, tally: tallySession(turnsOf.get(r.sessionId)!) }));
  }

  async load(
    scope: EngagementScope,
    range: AnalyticsRange,
    limits: { rows: number; topics: number },
  ): Promise<EngagementData> {
    const tallies = await this.tallies(scope, range, limits.rows);
    const totals = new Map<string, number>();
    for (const { tally } of tallies)
      for (const [term, n] of tally.terms) totals.set(term, (totals.get(term) ?? 0) + n);
    const topics = [...totals]
      .map(([term, n]) => ({ term, count: n }))
      .sort((a, b) => b.count - a.count || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0))
      .slice(0, limits.topics);
    const rows = tallies.map(({ row, tally }) => ({
      ...row,
      person: tally.person,
      replies: tally.characters.get(scope.characterId) ?? emptyCharacterCounters(),
    }));
    return { rows, topics };
  }
}
