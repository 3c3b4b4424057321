import type { Logger } from 'pino';
import type { Db } from '../../../db/client.ts';
import {
  DEFAULT_ENGAGEMENT_SESSIONS,
  DEFAULT_ENGAGEMENT_TOPICS,
  type CharacterEngagement,
  type EngagementQuery,
  type SessionEngagement,
  type SessionEngagementDetail,
} from '../../../protocol/index.ts';
import { BadRequestError } from '../../errors.ts';
import { utcDays, type AnalyticsRange } from '../analytics.ts';
import { RollupSource, type EngagementScope, type EngagementSource } from './reader.ts';
import { EngagementRollups, type StoredTurn } from './rollups.ts';
import { characterEngagement, ratio, sessionEngagement } from './summary.ts';

export interface EngagementOptions {
  /** Sessions a catch-up counts per batch, in one transaction. @defaultValue 100 */
  catchUpBatchSessions: number;
  /** Most sessions one engagement answer covers; a range with more is refused (400). @defaultValue 50000 */
  maxSessions: number;
  /** Largest `?topics=`. @defaultValue 100 */
  maxTopics: number;
  /** Largest `?sessions=`. @defaultValue 500 */
  maxRecentSessions: number;
}

export const defaultEngagementOptions: EngagementOptions = {
  catchUpBatchSessions: 100,
  maxSessions: 50_000,
  maxTopics: 100,
  maxRecentSessions: 500,
};

/** What a catch-up did. */
export interface CatchUpResult {
  sessions: number;
  turns: number;
  ms: number;
}

/**
 * People's engagement with characters, from rollups kept as turns are recorded (`turnStored`).
 * Turns stored before the rollups existed, or whose counting failed, are counted by a catch-up
 * that runs before the first answer of the process and again after any failure.
 */
export class EngagementService {
  readonly rollups: EngagementRollups;
  private readonly source: RollupSource;
  private readonly opts: EngagementOptions;
  private caughtUp: Promise<CatchUpResult> | undefined;

  constructor(
    db: Db,
    private readonly logger: Logger,
    opts: Partial<EngagementOptions> = {},
  ) {
    this.opts = { ...defaultEngagementOptions, ...opts };
    this.rollups = new EngagementRollups(db);
    this.source = new RollupSource(db);
  }

  /** The turn-recording hook: counts a newly stored turn. Never throws; a failure is caught up later. */
  async turnStored(turn: StoredTurn, log: Logger): Promise<void> {
    try {
      await this.rollups.countTurn(turn);
    } catch (err) {
      this.caughtUp = undefined;
      log.warn({ err, sessionId: turn.sessionId, turnId: turn.id }, 'turn not counted yet; a catch-up will');
    }
  }

  /**
   * Counts every stored turn not counted yet, a batch of sessions at a time (idempotent: a turn
   * already counted is left alone). One catch-up runs at a time; callers share it.
   */
  catchUp(): Promise<CatchUpResult> {
    this.caughtUp ??= this.runCatchUp().catch((err: unknown) => {
      this.caughtUp = undefined;
      throw err;
    });
    return this.caughtUp;
  }

  private async runCatchUp(): Promise<CatchUpResult> {
    const started = performance.now();
    let sessions = 0;
    let turns = 0;
    let after: string | undefined;
    for (;;) {
      const batch = await this.rollups.sessionsWithUncountedTurns(after, this.opts.catchUpBatchSessions);
      turns += await this.rollups.recountSessions(batch);
      sessions += batch.length;
      if (batch.length < this.opts.catchUpBatchSessions) break;
      after = batch.at(-1);
    }
    const ms = Math.round(performance.now() - started);
    if (turns > 0) this.logger.info({ sessions, turns, ms }, 'engagement caught up with stored turns');
    return { sessions, turns, ms };
  }

  /** Checks `?topics=` and `?sessions=` against their limits. */
  limitsOf(query: EngagementQuery): { topics: number; recent: number } {
    const topics = query.topics ?? DEFAULT_ENGAGEMENT_TOPICS;
    const recent = query.sessions ?? DEFAULT_ENGAGEMENT_SESSIONS;
    if (topics > this.opts.maxTopics)
      throw new BadRequestError(`topics may be at most ${this.opts.maxTopics}`);
    if (recent > this.opts.maxRecentSessions)
      throw new BadRequestError(`sessions may be at most ${this.opts.maxRecentSessions}`);
    return { topics, recent };
  }

  /** A character's figures over the range, and every session's row (for the CSV export). */
  async character(
    scope: EngagementScope,
    range: AnalyticsRange,
    limits: { topics: number; recent: number },
    source: EngagementSource = this.source,
  ): Promise<{ engagement: CharacterEngagement; rows: SessionEngagement[] }> {
    await this.catchUp();
    const { rows, topics } = await source.load(scope, range, {
      rows: this.opts.maxSessions + 1,
      topics: limits.topics,
    });
    if (rows.length > this.opts.maxSessions)
      throw new BadRequestError(
        `the range holds more than ${this.opts.maxSessions} sessions with this character; narrow it`,
      );
    const engagement = characterEngagement({
      characterId: scope.characterId,
      range,
      days: utcDays(range),
      rows,
      topics,
      recent: limits.recent,
    });
    const all = [...rows]
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.sessionId < b.sessionId ? -1 : 1))
      .map(sessionEngagement);
    return { engagement, rows: all };
  }

  /** One session's figures; undefined when there is no such session. */
  async session(sessionId: string): Promise<SessionEngagementDetail | undefined> {
    await this.catchUp();
    const found = await this.source.session(sessionId);
    if (!found) return undefined;
    return {
      ...sessionEngagement(found.figures),
      characters: found.characters.map((c) => ({
        characterId: c.characterId,
        replies: c.replies,
        interruptions: c.interruptedReplies,
        followUps: c.followUps,
        followUpRate: ratio(c.followUps, c.replies),
        bargeInsPerReply: ratio(c.interruptedReplies, c.replies),
      })),
      topics: found.topics,
    };
  }
}
