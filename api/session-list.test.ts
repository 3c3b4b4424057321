import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages } from '../db/schema.ts';
import { dbKinds } from '../db/testing.ts';
import { ErrorBody, SessionList } from '../protocol/index.ts';
import type { SignedUp } from '../test/support/auth.ts';
import { insertPastSession, insertSession, send, startTestApiWithOperator, type TestApi } from './testing.ts';

const OPERATOR = { email: 'history-operator@example.test', password: 'operator-password-5' };

describe.each(dbKinds)('session list filters against %s', (kind) => {
  let api: TestApi;
  let ann: SignedUp;
  let ben: SignedUp;
  let operator: SignedUp;
  /** Ann's sessions, oldest first. */
  const ids: string[] = [];

  async function list(query: string, who: SignedUp = ann): Promise<SessionList> {
    const res = await send(api.url, `/api/sessions${query}`, { headers: who.headers });
    expect(res.status, res.text).toBe(200);
    return SessionList.parse(res.body);
  }
  const idsOf = (l: SessionList) => l.sessions.map((s) => s.id);

  beforeAll(async () => {
    ({ api, ann, ben, operator } = await startTestApiWithOperator(kind, OPERATOR));
    const db = api.db.db;
    const seeds = [
      { at: '2030-01-01T10:00:00Z', characters: ['test-ada'], status: 'ended', said: 'I love steam engines' },
      { at: '2030-01-02T10:00:00Z', characters: ['test-bob'], status: 'ended', said: 'Boats, 100% boats' },
      {
        at: '2030-01-03T10:00:00Z',
        characters: ['test-bob', 'test-ada'],
        status: 'active',
        said: 'hello all',
      },
      { at: '2030-01-04T10:00:00Z', characters: ['test-ada'], status: 'created', said: 'ENGINES again' },
    ] as const;
    for (const s of seeds) {
      const id = await insertPastSession(db, ann.user.id, {
        characters: s.characters,
        createdAt: s.at,
        set: { status: s.status },
      });
      const at = new Date(s.at);
      await db.insert(messages).values({
        id: randomUUID(),
        sessionId: id,
        role: 'user',
        speaker: 'caller-test',
        speakerName: 'Caller',
        text: s.said,
        heardText: s.said,
        startedAt: at,
        endedAt: at,
      });
      ids.push(id);
    }
    await insertSession(db, ben.user.id);
  });
  afterAll(async () => {
    await api?.stop();
  });

  const nth = (i: number) => () => ids[i]!;
  const [s1, s2, s3, s4] = [nth(0), nth(1), nth(2), nth(3)];

  it('when no parameter is given, then the caller’s own sessions come newest first on one page', async () => {
    const all = await list('');
    expect(idsOf(all)).toEqual([s4(), s3(), s2(), s1()]);
    expect(all.nextCursor).toBeNull();
    expect((await list('', ben)).sessions).toHaveLength(1);
  });

  it('when filtered by character, status, mode or creation time, then only matching sessions are listed', async () => {
    expect(idsOf(await list('?characterId=test-bob'))).toEqual([s3(), s2()]);
    expect(idsOf(await list('?status=ended'))).toEqual([s2(), s1()]);
    expect(idsOf(await list('?mode=group'))).toEqual([s3()]);
    expect(idsOf(await list('?from=2030-01-02T10:00:00Z&to=2030-01-04T10:00:00Z'))).toEqual([s3(), s2()]);
    expect(idsOf(await list('?from=2030-01-03T11:00:00%2B01:00'))).toEqual([s4(), s3()]);
    expect(idsOf(await list('?characterId=test-ada&status=ended'))).toEqual([s1()]);
  });

  it('when q is given, then transcripts are searched without regard to case, wildcards taken literally', async () => {
    expect(idsOf(await list('?q=engines'))).toEqual([s4(), s1()]);
    expect(idsOf(await list(`?q=${encodeURIComponent('100%')}`))).toEqual([s2()]);
    expect(idsOf(await list(`?q=${encodeURIComponent('%')}`))).toEqual([s2()]);
    expect(idsOf(await list('?q=nobody-said-this'))).toEqual([]);
  });

  it('when pages are walked with limit 1, then every session comes once, newest first', async () => {
    const walked: string[] = [];
    let cursor: string | null | undefined = null;
    do {
      const page: SessionList = await list(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      walked.push(...idsOf(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual([s4(), s3(), s2(), s1()]);
  });

  it("when an operator names an owner, then that account's sessions are listed; anyone else naming one is refused", async () => {
    expect(idsOf(await list(`?ownerId=${ann.user.id}&status=ended`, operator))).toEqual([s2(), s1()]);
    expect((await list('', operator)).sessions).toEqual([]);
    expect(idsOf(await list(`?ownerId=${ann.user.id}`, ann))).toHaveLength(4);
    const res = await send(api.url, `/api/sessions?ownerId=${ann.user.id}`, { headers: ben.headers });
    expect(res.status).toBe(403);
  });

  it.each([
    ['an unknown parameter', '?character=test-ada', /unknown query parameter: character/],
    ['an unknown status', '?status=done', /status/],
    ['a date that is not ISO', '?from=2030-01-01', /from/],
    ['from after to', '?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', /from/],
    ['a limit of 500', '?limit=500', /limit/],
    ['a character id that is not a slug', '?characterId=Not%20A%20Slug', /characterId/],
    ['a forged cursor', `?cursor=${Buffer.from('["newest","x","y"]').toString('base64url')}`, /cursor/],
    ['an ownerId that is not a uuid', '?ownerId=me', /ownerId/],
  ])('when the query has %s, then it is a 400 naming it', async (_what, query, message) => {
    const res = await send(api.url, `/api/sessions${query}`, { headers: ann.headers });
    expect(res.status, res.text).toBe(400);
    expect(ErrorBody.parse(res.body).error.message).toMatch(message);
  });
});
