import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import {
  messages,
  sessionCharacterEngagement,
  sessionEngagement,
  sessionTerms,
  turnSignals,
} from '../../../db/schema.ts';
import {
  contributionOf,
  emptyCharacterCounters,
  followedCharacter,
  isPersonTurn,
  tallySession,
  type CharacterCounters,
  type EngagementTurn,
  type PersonCounters,
} from './tally.ts';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** A stored turn with its session, as the rollups read it. */
export type StoredTurn = EngagementTurn & { sessionId: string };

export const turnColumns = {
  id: messages.id,
  sessionId: messages.sessionId,
  role: messages.role,
  speaker: messages.speaker,
  text: messages.text,
  interrupted: messages.interrupted,
  source: messages.source,
  startedAt: messages.startedAt,
  endedAt: messages.endedAt,
};

/** Rows per insert statement: well under Postgres's 65,535 parameters for every table here. */
const CHUNK = 1000;

const chunks = <T>(rows: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(rows.length / CHUNK) }, (_, i) => rows.slice(i * CHUNK, (i + 1) * CHUNK));

/**
 * The engagement rollups' writer. Invariant: the rollups of a session equal `tallySession` over
 * the session's counted turns (those with a `turn_signals` row). Every write holds the session's
 * `session_engagement` row locked, so concurrent reports and a catch-up never interleave.
 */
export class EngagementRollups {
  constructor(private readonly db: Db) {}

  /**
   * Counts one stored turn incrementally: its own counters, and the follow-up status of the
   * counted turn after it, which may change when turns arrive out of order. False when the turn
   * was counted already (by a catch-up, or an earlier call). The turn must be stored.
   */
  async countTurn(turn: StoredTurn): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockSessions(tx, [turn.sessionId]);
      const [seen] = await tx
        .select({ id: turnSignals.messageId })
        .from(turnSignals)
        .where(eq(turnSignals.messageId, turn.id));
      if (seen) return false;
      const [previous] = await neighbour(tx, turn, 'before');
      const [next] = await neighbour(tx, turn, 'after');
      const follows = followedCharacter(previous, turn);
      await tx.insert(turnSignals).values({ messageId: turn.id, follows });

      const { person, reply, terms } = contributionOf(turn);
      await addPersonCounters(tx, turn.sessionId, person);
      const deltas = new Map<string, CharacterCounters>();
      const delta = (id: string) => {
        let d = deltas.get(id);
        if (!d) deltas.set(id, (d = emptyCharacterCounters()));
        return d;
      };
      if (reply) {
        delta(reply.characterId).replies += 1;
        if (reply.interrupted) delta(reply.characterId).interruptedReplies += 1;
      }
      if (follows !== null) delta(follows).followUps += 1;
      // The next turn used to follow `previous`; now it follows this one.
      if (next && isPersonTurn(next)) {
        const nextFollows = followedCharacter(turn, next);
        if (nextFollows !== next.follows) {
          await tx
            .update(turnSignals)
            .set({ follows: nextFollows })
            .where(eq(turnSignals.messageId, next.id));
          if (next.follows !== null) delta(next.follows).followUps -= 1;
          if (nextFollows !== null) delta(nextFollows).followUps += 1;
        }
      }
      await addCharacterCounters(tx, turn.sessionId, deltas);
      await addTerms(tx, turn.sessionId, terms);
      return true;
    });
  }

  /**
   * Counts every turn of these sessions not counted yet, by recomputing each session from all its
   * turns and replacing its rollups, in one transaction. Resolves with how many turns were newly
   * counted.
   */
  async recountSessions(sessionIds: readonly string[]): Promise<number> {
    if (sessionIds.length === 0) return 0;
    const ids = [...new Set(sessionIds)];
    return this.db.transaction(async (tx) => {
      await lockSessions(tx, ids);
      const rows = await tx
        .select({ ...turnColumns, counted: turnSignals.messageId })
        .from(messages)
        .leftJoin(turnSignals, eq(turnSignals.messageId, messages.id))
        .where(inArray(messages.sessionId, ids));
      const fresh = rows.filter((t) => t.counted === null).length;
      if (fresh === 0) return 0;
      const bySession = new Map<string, typeof rows>(ids.map((id) => [id, []]));
      for (const row of rows) bySession.get(row.sessionId)!.push(row);
      const tallies = [...bySession].map(([sessionId, turns]) => ({ sessionId, tally: tallySession(turns) }));

      const e = sessionEngagement;
      await tx
        .insert(e)
        .values(tallies.map(({ sessionId, tally }) => ({ sessionId, ...tally.person })))
        .onConflictDoUpdate({
          target: e.sessionId,
          set: {
            personTurns: sql`excluded.person_turns`,
            personWords: sql`excluded.person_words`,
            positiveTurns: sql`excluded.positive_turns`,
            negativeTurns: sql`excluded.negative_turns`,
            neutralTurns: sql`excluded.neutral_turns`,
            sentimentScore: sql`excluded.sentiment_score`,
            firstTurnAt: sql`excluded.first_turn_at`,
            lastTurnAt: sql`excluded.last_turn_at`,
          },
        });
      await tx.delete(sessionCharacterEngagement).where(inArray(sessionCharacterEngagement.sessionId, ids));
      const characterRows = tallies.flatMap(({ sessionId, tally }) =>
        [...tally.characters].map(([characterId, c]) => ({ sessionId, characterId, ...c })),
      );
      for (const part of chunks(characterRows)) await tx.insert(sessionCharacterEngagement).values(part);
      await tx.delete(sessionTerms).where(inArray(sessionTerms.sessionId, ids));
      const termRows = tallies.flatMap(({ sessionId, tally }) =>
        [...tally.terms].map(([term, count]) => ({ sessionId, term, count })),
      );
      for (const part of chunks(termRows)) await tx.insert(sessionTerms).values(part);
      const signals = tallies.flatMap(({ tally }) =>
        [...tally.follows].map(([messageId, follows]) => ({ messageId, follows })),
      );
      for (const part of chunks(signals))
        await tx
          .insert(turnSignals)
          .values(part)
          .onConflictDoUpdate({ target: turnSignals.messageId, set: { follows: sql`excluded.follows` } });
      return fresh;
    });
  }

  /**
   * Sessions that hold turns not counted yet, in id order after `after`: what a catch-up visits.
   */
  async sessionsWithUncountedTurns(after: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ id: messages.sessionId })
      .from(messages)
      .where(
        and(
          after === undefined ? undefined : sql`${messages.sessionId} > ${after}::uuid`,
          sql`not exists (select 1 from ${turnSignals} where ${turnSignals.messageId} = ${messages.id})`,
        ),
      )
      .orderBy(asc(messages.sessionId))
      .limit(limit);
    return rows.map((r) => r.id);
  }
}

/**
 * Creates the sessions' counters rows if needed and locks them for the rest of the transaction,
 * in id order (as every writer does), so that two writers never wait on each other in a cycle.
 */
async function lockSessions(tx: Tx, sessionIds: readonly string[]): Promise<void> {
  await tx
    .insert(sessionEngagement)
    .values(sessionIds.map((sessionId) => ({ sessionId })))
    .onConflictDoNothing();
  await tx
    .select({ id: sessionEngagement.sessionId })
    .from(sessionEngagement)
    .where(inArray(sessionEngagement.sessionId, [...sessionIds]))
    .orderBy(asc(sessionEngagement.sessionId))
    .for('update');
}

/** The counted turn just before or just after `turn` in its session, with its follow-up status. */
function neighbour(tx: Tx, turn: StoredTurn, side: 'before' | 'after') {
  const at = sql`(${turn.startedAt.toISOString()}::timestamptz, ${turn.id}::uuid)`;
  const key = sql`(${messages.startedAt}, ${messages.id})`;
  const order = side === 'before' ? desc : asc;
  return tx
    .select({ ...turnColumns, follows: turnSignals.follows })
    .from(messages)
    .innerJoin(turnSignals, eq(turnSignals.messageId, messages.id))
    .where(
      and(
        eq(messages.sessionId, turn.sessionId),
        side === 'before' ? sql`${key} < ${at}` : sql`${key} > ${at}`,
      ),
    )
    .orderBy(order(messages.startedAt), order(messages.id))
    .limit(1);
}

async function addPersonCounters(tx: Tx, sessionId: string, d: PersonCounters): Promise<void> {
  const e = sessionEngagement;
  const instant = (v: Date | null) => (v === null ? sql`null` : sql`${v.toISOString()}::timestamptz`);
  await tx
    .update(e)
    .set({
      personTurns: sql`${e.personTurns} + ${d.personTurns}`,
      personWords: sql`${e.personWords} + ${d.personWords}`,
      positiveTurns: sql`${e.positiveTurns} + ${d.positiveTurns}`,
      negativeTurns: sql`${e.negativeTurns} + ${d.negativeTurns}`,
      neutralTurns: sql`${e.neutralTurns} + ${d.neutralTurns}`,
      sentimentScore: sql`${e.sentimentScore} + ${d.sentimentScore}`,
      // least/greatest skip nulls.
      firstTurnAt: sql`least(${e.firstTurnAt}, ${instant(d.firstTurnAt)})`,
      lastTurnAt: sql`greatest(${e.lastTurnAt}, ${instant(d.lastTurnAt)})`,
    })
    .where(eq(e.sessionId, sessionId));
}

async function addCharacterCounters(
  tx: Tx,
  sessionId: string,
  deltas: ReadonlyMap<string, CharacterCounters>,
): Promise<void> {
  if (deltas.size === 0) return;
  const c = sessionCharacterEngagement;
  await tx
    .insert(c)
    .values([...deltas].map(([characterId, d]) => ({ sessionId, characterId, ...d })))
    .onConflictDoUpdate({
      target: [c.sessionId, c.characterId],
      set: {
        replies: sql`${c.replies} + excluded.replies`,
        interruptedReplies: sql`${c.interruptedReplies} + excluded.interrupted_replies`,
        followUps: sql`${c.followUps} + excluded.follow_ups`,
      },
    });
}

async function addTerms(tx: Tx, sessionId: string, terms: ReadonlyMap<string, number>): Promise<void> {
  if (terms.size === 0) return;
  await tx
    .insert(sessionTerms)
    .values([...terms].map(([term, count]) => ({ sessionId, term, count })))
    .onConflictDoUpdate({
      target: [sessionTerms.sessionId, sessionTerms.term],
      set: { count: sql`${sessionTerms.count} + excluded.count` },
    });
}
