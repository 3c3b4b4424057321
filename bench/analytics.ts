import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import type { Db, DbKind } from '../db/client.ts';
import { messages, sessionCharacters, sessions, users } from '../db/schema.ts';
import { seedCharacters } from '../db/seed.ts';
import { openTestDb, testCharacters } from '../db/testing.ts';
import { EngagementService } from '../api/services/analytics/engagement.ts';
import { RawTurnSource, type EngagementSource } from '../api/services/analytics/reader.ts';
import { messageRow, seededRandom, syntheticTranscript } from '../api/services/analytics/testing.ts';
import { runBench } from './run.ts';

// bench:analytics — the engagement answer for a character with 100,000 turns over ~2,000
// sessions, on PGlite and on Postgres (a scratch database): from the rollups, beside the same
// figures computed from the raw turns with no rollups, in the same run. Also times the catch-up
// of turns stored before the rollups existed, and the per-turn cost of counting as turns arrive.

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 2000);
const TURNS_PER_SESSION = Number(process.env.BENCH_TURNS_PER_SESSION ?? 50);
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 400);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const BASELINE_RUNS = Number(process.env.BENCH_BASELINE_RUNS ?? 5);
const LIVE_TURNS = Number(process.env.BENCH_LIVE_TURNS ?? 200);
const CHARACTER = 'test-ada';
const DAY_MS = 86_400_000;
const RANGE = { from: new Date('2030-01-01T00:00:00Z'), to: new Date('2030-01-31T00:00:00Z') };
const LIMITS = { topics: 20, recent: 20 };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** `SESSIONS` sessions with the character in the range, `TURNS_PER_SESSION` stored turns each. */
async function seed(db: Db, random: () => number): Promise<{ turns: number; owners: string[] }> {
  const owners = Array.from({ length: PEOPLE }, () => randomUUID());
  await db
    .insert(users)
    .values(owners.map((id) => ({ id, email: `${id}@bench.example`, passwordHash: 'x' })));
  let turns = 0;
  for (let s = 0; s < SESSIONS; s += 100) {
    const batch = Array.from({ length: Math.min(100, SESSIONS - s) }, () => {
      const id = randomUUID();
      const createdAt = new Date(RANGE.from.getTime() + Math.floor(random() * 29 * DAY_MS));
      return {
        row: {
          id,
          mode: 'call' as const,
          characterId: CHARACTER,
          ownerId: owners[Math.floor(random() * owners.length)]!,
          roomName: `call-${id}`,
          callerIdentity: 'caller-bench',
          callerName: 'Caller',
          status: 'ended' as const,
          createdAt,
          durationMs: random() < 0.9 ? 60_000 + Math.floor(random() * 900_000) : null,
        },
        transcript: syntheticTranscript(random, {
          characters: [CHARACTER],
          turns: TURNS_PER_SESSION,
          start: createdAt,
        }),
      };
    });
    await db.insert(sessions).values(batch.map((b) => b.row));
    await db
      .insert(sessionCharacters)
      .values(batch.map((b) => ({ sessionId: b.row.id, characterId: CHARACTER, position: 0 })));
    const rows = batch.flatMap((b) => b.transcript.map((t) => messageRow(b.row.id, t)));
    for (let i = 0; i < rows.length; i += 1000) await db.insert(messages).values(rows.slice(i, i + 1000));
    turns += rows.length;
  }
  return { turns, owners };
}

async function benchOne(kind: DbKind): Promise<string[]> {
  const { handle, cleanup } = await openTestDb(kind);
  try {
    const db = handle.db;
    await seedCharacters(db, testCharacters);
    const random = seededRandom(2030);
    const seeded = await time(() => seed(db, random));
    process.stdout.write(
      `${kind}: ${seeded.value.turns} turns in ${SESSIONS} sessions stored in ${(seeded.ms / 1000).toFixed(1)} s\n`,
    );
    const engagement = new EngagementService(db, pino({ level: 'silent' }));
    const caughtUp = await time(() => engagement.catchUp());
    process.stdout.write(
      `${kind}: catch-up counted ${caughtUp.value.turns} turns of ${caughtUp.value.sessions} sessions in ${(caughtUp.ms / 1000).toFixed(1)} s\n`,
    );

    // The live path: one more session whose turns are counted one by one, as the hook does.
    const liveId = randomUUID();
    const liveStart = new Date(RANGE.from.getTime() + 10 * DAY_MS);
    await db.insert(sessions).values({
      id: liveId,
      mode: 'call',
      characterId: CHARACTER,
      ownerId: seeded.value.owners[0]!,
      roomName: `call-${liveId}`,
      callerIdentity: 'caller-live',
      callerName: 'Caller',
      createdAt: liveStart,
    });
    await db.insert(sessionCharacters).values({ sessionId: liveId, characterId: CHARACTER, position: 0 });
    const live: number[] = [];
    for (const t of syntheticTranscript(random, {
      characters: [CHARACTER],
      turns: LIVE_TURNS,
      start: liveStart,
    })) {
      const row = messageRow(liveId, t);
      await db.insert(messages).values(row);
      live.push((await time(() => engagement.rollups.countTurn({ ...t, sessionId: liveId }))).ms);
    }
    await db.execute(sql`analyze`);

    const scope = { characterId: CHARACTER };
    const baseline: EngagementSource = new RawTurnSource(db);
    const answer = (source?: EngagementSource) => engagement.character(scope, RANGE, LIMITS, source);
    // Warm both paths (plans, caches). The rollup runs go first: interleaved, each baseline run's
    // garbage (every turn of the range, as objects) is collected during the next rollup run.
    const rolled = await answer();
    const raw = await answer(baseline);
    const same = isDeepStrictEqual(rolled, raw);
    const fast: number[] = [];
    const slow: number[] = [];
    for (let i = 0; i < RUNS; i++) fast.push((await time(() => answer())).ms);
    for (let i = 0; i < BASELINE_RUNS; i++) slow.push((await time(() => answer(baseline))).ms);
    const turns = rolled.engagement.personTurns + rolled.engagement.replies;
    process.stdout.write(
      `${kind}: the answer covers ${rolled.engagement.sessions} sessions and ${turns} person turns and replies; rollups and baseline agree: ${same ? 'yes' : 'NO'}\n`,
    );
    const row = (name: string, v: number[]) =>
      `| ${kind} | ${name} | ${v.length} | ${percentile(v, 50).toFixed(1)} | ${percentile(v, 95).toFixed(1)} |`;
    return [
      row('engagement answer from the rollups', fast),
      row('baseline: the same figures from the raw turns', slow),
      row('counting one reported turn (the hook)', live),
      `| ${kind} | catch-up of ${caughtUp.value.turns} stored turns | 1 | ${caughtUp.ms.toFixed(0)} | ${((caughtUp.value.turns / caughtUp.ms) * 1000).toFixed(0)} turns/s |`,
    ];
  } finally {
    await cleanup();
  }
}

runBench('bench:analytics', async () => {
  const rows: string[] = [];
  for (const kind of ['pglite', 'postgres'] as const) rows.push(...(await benchOne(kind)));
  process.stdout.write(
    [
      '',
      `engagement of one character: ${SESSIONS} sessions × ${TURNS_PER_SESSION} turns, milliseconds`,
      '| database | what | runs | p50 | p95 |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
});
