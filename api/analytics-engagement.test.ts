import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../db/schema.ts';
import { dbKinds } from '../db/testing.ts';
import { agentApiToken } from '../protocol/internal.ts';
import {
  CharacterEngagement,
  ENGAGEMENT_CSV_COLUMNS,
  ErrorBody,
  SessionEngagementDetail,
  emptyTurnMetrics,
  type Character,
  type Turn,
} from '../protocol/index.ts';
import type { SignedUp } from '../test/support/auth.ts';
import {
  createCharacter,
  insertPastSession,
  send,
  startTestApiWithOperator,
  type TestApi,
} from './testing.ts';

const OPERATOR = { email: 'engagement-operator@example.test', password: 'operator-password-7' };
const RANGE = 'from=2030-01-01T00:00:00Z&to=2030-01-04T00:00:00Z';

type Line = [role: Turn['role'], text: string, from: string, to: string, interrupted?: boolean];

/** Turns of a session from `[role, text, start, end]` lines, times as `hh:mm:ss` on `day`. */
function turnsOf(day: string, speaker: string, character: string, lines: Line[]): Turn[] {
  return lines.map(([role, text, from, to, interrupted = false]) => ({
    id: randomUUID(),
    role,
    speaker: role === 'user' ? speaker : character,
    speakerName: role === 'user' ? 'Caller' : 'Xan',
    text,
    heardText: text,
    interrupted,
    startedAt: `${day}T${from}.000Z`,
    endedAt: `${day}T${to}.000Z`,
    metrics: emptyTurnMetrics,
  }));
}

describe.each(dbKinds)('engagement analytics against %s', (kind) => {
  let api: TestApi;
  let ann: SignedUp;
  let ben: SignedUp;
  let operator: SignedUp;
  let xan: Character;
  let hidden: Character;
  const ids: Record<'s1' | 's2' | 's3', string> = { s1: '', s2: '', s3: '' };

  const agentAuth = () => ({ authorization: `Bearer ${agentApiToken(api.config.livekitApiSecret)}` });
  const report = (sessionId: string, t: Turn) =>
    send(api.url, `/api/internal/sessions/${sessionId}/turns`, { body: t, headers: agentAuth() });

  async function engagement(who: SignedUp, query = RANGE): Promise<CharacterEngagement> {
    const res = await send(api.url, `/api/analytics/characters/${xan.id}/engagement?${query}`, {
      headers: who.headers,
    });
    expect(res.status, res.text).toBe(200);
    return CharacterEngagement.parse(res.body);
  }

  beforeAll(async () => {
    ({ api, ann, ben, operator } = await startTestApiWithOperator(kind, OPERATOR));
    xan = await createCharacter(api.url, ann, 'Xan', 'public');
    hidden = await createCharacter(api.url, ben, 'Hidden');
    const db = api.db.db;
    // AFINN scores: love +3; no −1, stop −1, wrong −2; thanks +2, fun +4; hate −3.
    // s1, Ann, stored before engagement was counted (the first read catches it up), two minutes.
    ids.s1 = await insertPastSession(db, ann.user.id, {
      characters: [xan.id],
      createdAt: '2030-01-01T09:00:00Z',
      set: { status: 'ended', durationMs: 120_000 },
    });
    const s1 = turnsOf('2030-01-01', 'caller-ann', xan.id, [
      ['assistant', 'Hello there', '09:00:00', '09:00:02'],
      ['user', 'I love engines', '09:00:05', '09:00:07'], // follows up (3 s)
      ['assistant', 'Engines are', '09:00:08', '09:00:12', true],
      ['user', 'No, stop, that is wrong', '09:00:11', '09:00:14'], // a barge-in: follows up
      ['assistant', 'Sorry', '09:00:15', '09:00:20'],
      ['user', 'Where is the station?', '09:01:15', '09:01:18'], // 55 s later: no follow-up
    ]);
    await db.insert(messages).values(
      s1.map(({ metrics: _m, startedAt, endedAt, ...t }) => ({
        ...t,
        sessionId: ids.s1,
        startedAt: new Date(startedAt),
        endedAt: new Date(endedAt),
      })),
    );
    // s2, Ann, still open (its length is its turns' span: 16 s), reported out of order, one turn twice.
    ids.s2 = await insertPastSession(db, ann.user.id, {
      characters: [xan.id],
      createdAt: '2030-01-02T10:00:00Z',
    });
    const s2 = turnsOf('2030-01-02', 'caller-ann', xan.id, [
      ['assistant', 'Hi again', '10:00:00', '10:00:03'],
      ['user', 'Thanks Xan, that was fun', '10:00:04', '10:00:07'], // follows up
      ['assistant', 'Glad to hear it', '10:00:08', '10:00:10'],
      ['user', 'Tell me about engines and trains', '10:00:12', '10:00:16'], // follows up
    ]);
    for (const t of [s2[3]!, s2[0]!, s2[2]!, s2[1]!]) expect((await report(ids.s2, t)).status).toBe(201);
    expect((await report(ids.s2, s2[1]!)).status).toBe(200);
    // s3, Ben, one minute.
    ids.s3 = await insertPastSession(db, ben.user.id, {
      characters: [xan.id],
      createdAt: '2030-01-03T12:00:00Z',
      set: { status: 'ended', durationMs: 60_000 },
    });
    const s3 = turnsOf('2030-01-03', 'caller-ben', xan.id, [
      ['assistant', 'Hello', '12:00:00', '12:00:02'],
      ['user', 'I hate waiting', '12:00:40', '12:00:42'], // 38 s later: no follow-up
    ]);
    for (const t of s3) expect((await report(ids.s3, t)).status).toBe(201);
  });
  afterAll(async () => {
    await api?.stop();
  });

  // Worked out by hand from the transcripts above.
  const s1Row = {
    sessionId: '',
    createdAt: '2030-01-01T09:00:00.000Z',
    mode: 'call',
    lengthMs: 120_000,
    personTurns: 3,
    personWords: 3 + 5 + 4,
    replies: 3,
    interruptions: 1,
    followUps: 2,
    turnsPerMinute: 3, // 6 turns in 2 minutes
    wordsPerPersonTurn: 4,
    followUpRate: 0.6667,
    bargeInsPerReply: 0.3333,
    sentiment: { positive: 1, negative: 1, neutral: 1, meanScore: -0.3333, net: 0 },
  };

  it("when the character's owner asks, then every session counts, each turn once, as worked out by hand", async () => {
    const body = await engagement(ann);
    expect(body).toMatchObject({
      characterId: xan.id,
      sessions: 3,
      people: 2,
      returningPeople: 1,
      returnRate: 0.5,
      personTurns: 6,
      personWords: 12 + 11 + 3,
      replies: 6,
      interruptions: 1,
      followUps: 4,
      // 12 turns over 120 + 16 + 60 s.
      turnsPerMinute: 3.6735,
      wordsPerPersonTurn: 4.3333,
      followUpRate: 0.6667,
      bargeInsPerReply: 0.1667,
      sessionMinutes: { mean: 1.0889, median: 1 },
      sentiment: { positive: 2, negative: 2, neutral: 2, meanScore: 0.3333, net: 0 },
      sentimentPerDay: [
        {
          date: '2030-01-01',
          personTurns: 3,
          positive: 1,
          negative: 1,
          neutral: 1,
          meanScore: -0.3333,
          net: 0,
        },
        { date: '2030-01-02', personTurns: 2, positive: 1, negative: 0, neutral: 1, meanScore: 3, net: 0.5 },
        { date: '2030-01-03', personTurns: 1, positive: 0, negative: 1, neutral: 0, meanScore: -3, net: -1 },
      ],
      topics: [
        { term: 'engine', count: 2 },
        ...['fun', 'hate', 'love', 'station', 'stop', 'train', 'waiting', 'wrong', 'xan'].map((term) => ({
          term,
          count: 1,
        })),
      ],
    });
    expect(body.recentSessions.map((s) => s.sessionId)).toEqual([ids.s3, ids.s2, ids.s1]);
    expect(body.recentSessions[2]).toEqual({ ...s1Row, sessionId: ids.s1 });
    expect(body.recentSessions[1]).toMatchObject({ lengthMs: 16_000, turnsPerMinute: 15, followUps: 2 });
    expect(await engagement(operator)).toEqual(body);
  });

  it('when someone else asks about a public character, then only their own sessions with it count', async () => {
    expect(await engagement(ben)).toMatchObject({
      sessions: 1,
      people: 1,
      returningPeople: 0,
      returnRate: 0,
      personTurns: 1,
      replies: 1,
      followUps: 0,
      turnsPerMinute: 2,
      sentiment: { positive: 0, negative: 1, neutral: 0, meanScore: -3, net: -1 },
      topics: [
        { term: 'hate', count: 1 },
        { term: 'waiting', count: 1 },
      ],
    });
  });

  it('when fewer topics and sessions are asked for, then only the top ones are listed', async () => {
    const body = await engagement(ann, `${RANGE}&topics=2&sessions=1`);
    expect(body.topics).toEqual([
      { term: 'engine', count: 2 },
      { term: 'fun', count: 1 },
    ]);
    expect(body.recentSessions.map((s) => s.sessionId)).toEqual([ids.s3]);
  });

  it('when the CSV export is asked for, then every session of the range is a row, oldest first', async () => {
    const res = await send(api.url, `/api/analytics/characters/${xan.id}/engagement?${RANGE}&format=csv`, {
      headers: ann.headers,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename=troupe-engagement-${xan.id}-2030-01-01-2030-01-04.csv`,
    );
    const lines = res.text.split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(ENGAGEMENT_CSV_COLUMNS.join(','));
    expect(lines[1]).toBe(
      `${ids.s1},2030-01-01T09:00:00.000Z,call,120000,3,12,3,1,2,3,4,0.6667,0.3333,1,1,1,-0.3333,0`,
    );
    expect(lines.slice(2, 4).map((l) => l.split(',')[0])).toEqual([ids.s2, ids.s3]);
    expect(lines[4]).toBe('');
  });

  it("when a session's engagement is asked for, then it has each character's share and its topics", async () => {
    const res = await send(api.url, `/api/analytics/sessions/${ids.s2}/engagement`, { headers: ann.headers });
    expect(res.status, res.text).toBe(200);
    expect(SessionEngagementDetail.parse(res.body)).toEqual({
      sessionId: ids.s2,
      createdAt: '2030-01-02T10:00:00.000Z',
      mode: 'call',
      lengthMs: 16_000,
      personTurns: 2,
      personWords: 11,
      replies: 2,
      interruptions: 0,
      followUps: 2,
      turnsPerMinute: 15,
      wordsPerPersonTurn: 5.5,
      followUpRate: 1,
      bargeInsPerReply: 0,
      sentiment: { positive: 1, negative: 0, neutral: 1, meanScore: 3, net: 0.5 },
      characters: [
        {
          characterId: xan.id,
          replies: 2,
          interruptions: 0,
          followUps: 2,
          followUpRate: 1,
          bargeInsPerReply: 0,
        },
      ],
      topics: [
        { term: 'engine', count: 1 },
        { term: 'fun', count: 1 },
        { term: 'train', count: 1 },
        { term: 'xan', count: 1 },
      ],
    });
    const other = await send(api.url, `/api/analytics/sessions/${ids.s3}/engagement`, {
      headers: ann.headers,
    });
    expect(other.status).toBe(404);
    const byOperator = await send(api.url, `/api/analytics/sessions/${ids.s3}/engagement`, {
      headers: operator.headers,
    });
    expect(byOperator.status).toBe(200);
  });

  const engagementOf = (query: string) => `/api/analytics/characters/{xan}/engagement?${query}`;
  it.each([
    {
      what: 'too many topics',
      path: engagementOf('topics=101'),
      status: 400,
      message: /topics may be at most 100/,
    },
    {
      what: 'too many sessions',
      path: engagementOf('sessions=501'),
      status: 400,
      message: /sessions may be/,
    },
    { what: 'negative topics', path: engagementOf('topics=-1'), status: 400, message: /topics/ },
    { what: 'an unknown format', path: engagementOf('format=xml'), status: 400, message: /format/ },
    { what: 'an unknown parameter', path: engagementOf('since=2030'), status: 400, message: /since/ },
    {
      what: 'from after to',
      path: engagementOf('from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z'),
      status: 400,
      message: /from/,
    },
    {
      what: "another's private character",
      path: '/api/analytics/characters/{hidden}/engagement',
      status: 404,
      message: /not found/,
    },
    {
      what: 'an unknown character',
      path: '/api/analytics/characters/nobody-here/engagement',
      status: 404,
      message: /not found/,
    },
    {
      what: 'a malformed session id',
      path: '/api/analytics/sessions/nope/engagement',
      status: 404,
      message: /not found/,
    },
    {
      what: 'an unknown session',
      path: `/api/analytics/sessions/${randomUUID()}/engagement`,
      status: 404,
      message: /not found/,
    },
    {
      what: 'a query on a session',
      path: '/api/analytics/sessions/{s1}/engagement?format=csv',
      status: 400,
      message: /format/,
    },
  ])('when asked with $what, then the answer is $status', async ({ path, status, message }) => {
    const url = path.replace('{xan}', xan.id).replace('{hidden}', hidden.id).replace('{s1}', ids.s1);
    const res = await send(api.url, url, { headers: ann.headers });
    expect(res.status, res.text).toBe(status);
    expect(ErrorBody.parse(res.body).error.message).toMatch(message);
  });

  it('when nobody is signed in, then the engagement endpoints are a 401', async () => {
    for (const path of [
      `/api/analytics/characters/${xan.id}/engagement`,
      `/api/analytics/sessions/${ids.s1}/engagement`,
    ])
      expect((await send(api.url, path)).status, path).toBe(401);
  });
});
