import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/client.ts';
import { messages } from '../db/schema.ts';
import { dbKinds } from '../db/testing.ts';
import { Analytics, ErrorBody, type Character } from '../protocol/index.ts';
import type { SignedUp } from '../test/support/auth.ts';
import {
  createCharacter,
  insertPastSession,
  send,
  startTestApiWithOperator,
  type TestApi,
} from './testing.ts';

const OPERATOR = { email: 'analytics-operator@example.test', password: 'operator-password-7' };
const RANGE = '?from=2030-01-01T00:00:00Z&to=2030-01-04T00:00:00Z';

interface Reply {
  speaker: string;
  v2v: number;
  llm: number;
  tts: number;
  interrupted?: boolean;
}

/** A session as the API would have stored it, at a fixed time, with its characters and turns. */
async function seed(
  db: Db,
  s: {
    ownerId: string;
    characters: string[];
    createdAt: string;
    durationMs: number;
    userTurns: number;
    replies: Reply[];
  },
): Promise<string> {
  const id = await insertPastSession(db, s.ownerId, {
    characters: s.characters,
    createdAt: s.createdAt,
    set: { status: 'ended', durationMs: s.durationMs },
  });
  const at = new Date(s.createdAt);
  const turn = { sessionId: id, startedAt: at, endedAt: at, text: 'hi', heardText: 'hi' };
  for (let i = 0; i < s.userTurns; i++)
    await db
      .insert(messages)
      .values({ ...turn, id: randomUUID(), role: 'user', speaker: 'caller-test', speakerName: 'Caller' });
  for (const r of s.replies)
    await db.insert(messages).values({
      ...turn,
      id: randomUUID(),
      role: 'assistant',
      speaker: r.speaker,
      speakerName: r.speaker,
      interrupted: r.interrupted ?? false,
      voiceToVoiceMs: r.v2v,
      llmTtftMs: r.llm,
      ttsTtfbMs: r.tts,
      eouDelayMs: 100,
    });
  return id;
}

const hours = (busy: Record<number, number>) =>
  Array.from({ length: 24 }, (_, hour) => ({ hour, sessions: busy[hour] ?? 0 }));

describe.each(dbKinds)('analytics against %s', (kind) => {
  let api: TestApi;
  let ann: SignedUp;
  let ben: SignedUp;
  let operator: SignedUp;
  /** Ann's public character. */
  let xan: Character;
  let hidden: Character;

  async function analytics(path: string, who: SignedUp): Promise<Analytics> {
    const res = await send(api.url, path, { headers: who.headers });
    expect(res.status, res.text).toBe(200);
    return Analytics.parse(res.body);
  }

  beforeAll(async () => {
    ({ api, ann, ben, operator } = await startTestApiWithOperator(kind, OPERATOR));
    xan = await createCharacter(api.url, ann, 'Xan', 'public');
    hidden = await createCharacter(api.url, ben, 'Hidden');
    const db = api.db.db;
    const ada = 'test-ada';
    // s1: Ann with Ada, 9:15 on the 1st, one minute.
    await seed(db, {
      ownerId: ann.user.id,
      characters: [ada],
      createdAt: '2030-01-01T09:15:00Z',
      durationMs: 60_000,
      userTurns: 1,
      replies: [{ speaker: ada, v2v: 1000, llm: 300, tts: 200 }],
    });
    // s2: Ann with Xan, 9:45 on the 1st, 1.5 minutes, one reply interrupted.
    await seed(db, {
      ownerId: ann.user.id,
      characters: [xan.id],
      createdAt: '2030-01-01T09:45:00Z',
      durationMs: 90_000,
      userTurns: 2,
      replies: [
        { speaker: xan.id, v2v: 800, llm: 200, tts: 100 },
        { speaker: xan.id, v2v: 1200, llm: 400, tts: 150, interrupted: true },
      ],
    });
    // s3: Ben with Xan, 17:00 on the 2nd, half a minute.
    await seed(db, {
      ownerId: ben.user.id,
      characters: [xan.id],
      createdAt: '2030-01-02T17:00:00Z',
      durationMs: 30_000,
      userTurns: 1,
      replies: [{ speaker: xan.id, v2v: 2000, llm: 600, tts: 300 }],
    });
    // s4: Ann's group with Xan and Ada, 23:30 on the 3rd, two minutes.
    await seed(db, {
      ownerId: ann.user.id,
      characters: [xan.id, ada],
      createdAt: '2030-01-03T23:30:00Z',
      durationMs: 120_000,
      userTurns: 1,
      replies: [
        { speaker: xan.id, v2v: 600, llm: 100, tts: 50 },
        { speaker: ada, v2v: 1400, llm: 500, tts: 250, interrupted: true },
      ],
    });
    // s5: Ann with Ada just before the range: never counted.
    await seed(db, {
      ownerId: ann.user.id,
      characters: [ada],
      createdAt: '2029-12-31T23:00:00Z',
      durationMs: 600_000,
      userTurns: 3,
      replies: [{ speaker: ada, v2v: 5000, llm: 5000, tts: 5000 }],
    });
  });
  afterAll(async () => {
    await api?.stop();
  });

  // Expected values are worked out by hand from the seeds above. percentile_cont interpolates:
  // p95 of n sorted values is v[k] + f·(v[k+1] − v[k]) with k + f = 0.95·(n − 1).
  const annTotals = {
    range: { from: '2030-01-01T00:00:00.000Z', to: '2030-01-04T00:00:00.000Z' },
    sessions: 3,
    minutes: 4.5,
    turns: 4,
    replies: 5,
    interruptions: 2,
    // v2v 600 800 1000 1200 1400: p95 at 3.8 → 1200 + 0.8·200.
    voiceToVoiceMs: { p50: 1000, p95: expect.closeTo(1360, 6) },
    llmTtftMs: { p50: 300, p95: expect.closeTo(480, 6) },
    ttsTtfbMs: { p50: 150, p95: expect.closeTo(240, 6) },
    busiestHours: hours({ 9: 2, 23: 1 }),
    perDay: [
      { date: '2030-01-01', sessions: 2, minutes: 2.5 },
      { date: '2030-01-02', sessions: 0, minutes: 0 },
      { date: '2030-01-03', sessions: 1, minutes: 2 },
    ],
  };

  it("when an account asks for its own analytics, then its sessions' figures in the range are returned", async () => {
    expect(await analytics(`/api/analytics/me${RANGE}`, ann)).toEqual(annTotals);
  });

  it("when an operator asks for an account's analytics, then they are that account's", async () => {
    expect(await analytics(`/api/analytics/owners/${ann.user.id}${RANGE}`, operator)).toEqual(annTotals);
  });

  const xanForEveryone = {
    sessions: 3,
    minutes: 4,
    turns: 4,
    replies: 4,
    interruptions: 1,
    // v2v 600 800 1200 2000: p50 between 800 and 1200; p95 at 2.85 → 1200 + 0.85·800.
    voiceToVoiceMs: { p50: 1000, p95: expect.closeTo(1880, 6) },
    llmTtftMs: { p50: 300, p95: expect.closeTo(570, 6) },
    ttsTtfbMs: { p50: 125, p95: expect.closeTo(277.5, 6) },
    busiestHours: hours({ 9: 1, 17: 1, 23: 1 }),
    perDay: [
      { date: '2030-01-01', sessions: 1, minutes: 1.5 },
      { date: '2030-01-02', sessions: 1, minutes: 0.5 },
      { date: '2030-01-03', sessions: 1, minutes: 2 },
    ],
  };

  it("when a character's owner or an operator asks, then every session it was in counts, and only its own replies", async () => {
    expect(await analytics(`/api/analytics/characters/${xan.id}${RANGE}`, ann)).toMatchObject(xanForEveryone);
    expect(await analytics(`/api/analytics/characters/${xan.id}${RANGE}`, operator)).toMatchObject(
      xanForEveryone,
    );
  });

  it('when someone else asks about a public or built-in character, then only their own sessions with it count', async () => {
    expect(await analytics(`/api/analytics/characters/${xan.id}${RANGE}`, ben)).toMatchObject({
      sessions: 1,
      minutes: 0.5,
      turns: 1,
      replies: 1,
      interruptions: 0,
      voiceToVoiceMs: { p50: 2000, p95: 2000 },
      busiestHours: hours({ 17: 1 }),
    });
    expect(await analytics(`/api/analytics/characters/test-ada${RANGE}`, ann)).toMatchObject({
      sessions: 2,
      minutes: 3,
      turns: 2,
      replies: 2,
      interruptions: 1,
      voiceToVoiceMs: { p50: 1200, p95: expect.closeTo(1380, 6) },
      busiestHours: hours({ 9: 1, 23: 1 }),
    });
    const none = await analytics(`/api/analytics/characters/test-ada${RANGE}`, ben);
    expect(none).toMatchObject({
      sessions: 0,
      minutes: 0,
      replies: 0,
      voiceToVoiceMs: { p50: null, p95: null },
    });
  });

  it('when no range is given, then it is the last 30 days, every day listed', async () => {
    const before = Date.now();
    const body = await analytics('/api/analytics/me', ann);
    const from = Date.parse(body.range.from);
    const to = Date.parse(body.range.to);
    expect(to).toBeGreaterThanOrEqual(before);
    expect(to - from).toBe(30 * 24 * 3600 * 1000);
    expect(body.sessions).toBe(0);
    expect(body.busiestHours).toEqual(hours({}));
    expect(body.perDay.length).toBeGreaterThanOrEqual(30);
    expect(body.perDay.length).toBeLessThanOrEqual(31);
    expect(body.perDay.at(-1)!.date).toBe(body.range.to.slice(0, 10));
  });

  it.each([
    ['from after to', '/api/analytics/me?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', 400, /from/],
    ['from equal to to', '/api/analytics/me?from=2030-01-01T00:00:00Z&to=2030-01-01T00:00:00Z', 400, /from/],
    [
      'a range over 366 days',
      '/api/analytics/me?from=2030-01-01T00:00:00Z&to=2031-01-03T00:00:00Z',
      400,
      /366/,
    ],
    ['a date that is not ISO', '/api/analytics/me?from=yesterday', 400, /from/],
    ['an unknown parameter', '/api/analytics/me?since=2030-01-01', 400, /since/],
    ['another account, asked by a user', `/api/analytics/owners/${randomUUID()}`, 403, /operator/],
    ["another's private character", '/api/analytics/characters/{hidden}', 404, /not found/],
    ['an unknown character', '/api/analytics/characters/nobody-here', 404, /not found/],
  ])('when asked with %s, then the answer is %i', async (_what, path, status, message) => {
    const res = await send(api.url, path.replace('{hidden}', hidden.id), { headers: ann.headers });
    expect(res.status, res.text).toBe(status);
    expect(ErrorBody.parse(res.body).error.message).toMatch(message);
  });

  it('when nobody is signed in, then every analytics endpoint is a 401', async () => {
    for (const path of [
      '/api/analytics/me',
      `/api/analytics/characters/${xan.id}`,
      `/api/analytics/owners/${ann.user.id}`,
    ])
      expect((await send(api.url, path)).status, path).toBe(401);
  });
});
