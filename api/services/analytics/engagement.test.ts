import { randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../../db/client.ts';
import { messages, sessions, sessionTerms, turnSignals, users } from '../../../db/schema.ts';
import { seedCharacters } from '../../../db/seed.ts';
import { dbKinds, openTestDb, testCharacters } from '../../../db/testing.ts';
import { insertPastSession } from '../../testing.ts';
import { EngagementService } from './engagement.ts';
import { RawTurnSource, RollupSource, type EngagementScope } from './reader.ts';
import type { StoredTurn } from './rollups.ts';
import { messageRow, seededRandom, syntheticTranscript } from './testing.ts';

const RANGE = { from: new Date('2030-01-01T00:00:00Z'), to: new Date('2030-02-01T00:00:00Z') };
const LIMITS = { rows: 1000, topics: 50 };
const silent = pino({ level: 'silent' });

describe.each(dbKinds)('engagement rollups against %s', (kind) => {
  let handle: DbHandle;
  let cleanup: () => Promise<void>;
  let ownerId: string;
  const random = seededRandom(14);

  /** A past session of `ownerId` with a synthetic transcript stored (not counted). */
  async function storedSession(day: number, characters: string[], turns: number): Promise<StoredTurn[]> {
    const start = new Date(Date.UTC(2030, 0, day, 10));
    const id = await insertPastSession(handle.db, ownerId, { characters, createdAt: start.toISOString() });
    const transcript = syntheticTranscript(random, { characters, turns, start });
    await handle.db.insert(messages).values(transcript.map((t) => messageRow(id, t)));
    return transcript.map((t) => ({ ...t, sessionId: id }));
  }

  const figures = async (scope: EngagementScope) => ({
    rollups: await new RollupSource(handle.db).load(scope, RANGE, LIMITS),
    scratch: await new RawTurnSource(handle.db).load(scope, RANGE, LIMITS),
  });
  const sorted = <T extends { sessionId: string }>(rows: T[]) =>
    [...rows].sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1));

  beforeAll(async () => {
    ({ handle, cleanup } = await openTestDb(kind));
    await seedCharacters(handle.db, testCharacters);
    ownerId = randomUUID();
    await handle.db
      .insert(users)
      .values({ id: ownerId, email: `${ownerId}@example.test`, passwordHash: 'x' });
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('when turns are counted one by one out of order, some twice, then the rollups equal a recount from scratch', async () => {
    const service = new EngagementService(handle.db, silent);
    const call = await storedSession(3, ['test-ada'], 40);
    const group = await storedSession(4, ['test-ada', 'test-bob'], 60);
    // Reports arrive shuffled, and a tenth of them twice.
    const reports = [...call, ...group, ...call.slice(0, 4), ...group.filter((_, i) => i % 10 === 0)];
    for (let i = reports.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [reports[i], reports[j]] = [reports[j]!, reports[i]!];
    }
    const counted = [];
    for (const turn of reports) counted.push(await service.rollups.countTurn(turn));
    expect(counted.filter(Boolean)).toHaveLength(100);

    for (const characterId of ['test-ada', 'test-bob']) {
      const { rollups, scratch } = await figures({ characterId, ownerId });
      expect(sorted(rollups.rows), characterId).toEqual(sorted(scratch.rows));
      expect(rollups.topics, characterId).toEqual(scratch.topics);
    }
    const { rollups } = await figures({ characterId: 'test-bob', ownerId });
    expect(rollups.rows).toHaveLength(1);
    expect(rollups.rows[0]!.replies.replies).toBeGreaterThan(0);
    expect(rollups.rows[0]!.person.personTurns).toBeGreaterThan(0);
    expect(rollups.topics.length).toBeGreaterThan(3);
  });

  it('when stored turns were never counted, then a catch-up counts each once, in batches, and again counts none', async () => {
    const before = await handle.db.select({ n: count() }).from(turnSignals);
    const stored: StoredTurn[] = [];
    for (let day = 10; day < 15; day++) stored.push(...(await storedSession(day, ['test-ada'], 20 + day)));
    // One session was already half counted live before the catch-up.
    const live = stored.filter((t) => t.sessionId === stored[0]!.sessionId).slice(0, 7);
    const service = new EngagementService(handle.db, silent, { catchUpBatchSessions: 2 });
    for (const turn of live) await service.rollups.countTurn(turn);

    const result = await service.catchUp();
    expect(result).toMatchObject({ sessions: 5, turns: stored.length - live.length });
    const after = await handle.db.select({ n: count() }).from(turnSignals);
    expect(after[0]!.n - before[0]!.n).toBe(stored.length);
    const { rollups, scratch } = await figures({ characterId: 'test-ada', ownerId });
    expect(sorted(rollups.rows)).toEqual(sorted(scratch.rows));
    expect(rollups.topics).toEqual(scratch.topics);

    expect(await new EngagementService(handle.db, silent).catchUp()).toMatchObject({ sessions: 0, turns: 0 });
    expect(await service.rollups.countTurn(stored[3]!)).toBe(false);
    expect(sorted((await figures({ characterId: 'test-ada', ownerId })).rollups.rows)).toEqual(
      sorted(rollups.rows),
    );
  });

  it('when a session is deleted, then its rollups go with it', async () => {
    const turns = await storedSession(20, ['test-ada'], 10);
    await new EngagementService(handle.db, silent).catchUp();
    const id = turns[0]!.sessionId;
    expect(
      (await handle.db.select().from(sessionTerms).where(eq(sessionTerms.sessionId, id))).length,
    ).toBeGreaterThan(0);
    await handle.db.delete(sessions).where(eq(sessions.id, id));
    expect(await handle.db.select().from(sessionTerms).where(eq(sessionTerms.sessionId, id))).toEqual([]);
    expect(await new RollupSource(handle.db).session(id)).toBeUndefined();
  });
});
