import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import { ErrorBody } from '../protocol/index.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { createCallSession } from '../test/support/sessions.ts';
import { accountBadInputCases } from './bad-input-accounts.cases.ts';
import { broadcastBadInputCases } from './bad-input-broadcasts.cases.ts';
import { catalogBadInputCases } from './bad-input-catalog.cases.ts';
import { API_SECRET, CHARACTER, SESSION, USER_TOKEN, badInputCases, type Case } from './bad-input.cases.ts';
import { createCharacter, send, startTestApi, type TestApi } from './testing.ts';

/** The case's request with the real ids and bearer token in place of the placeholders. */
function realize(c: Case, ids: { sessionId: string; characterId: string }, token: string): Case {
  const headers = Object.fromEntries(
    Object.entries(c.opts.headers ?? {}).map(([k, v]) => [k, v.replace(USER_TOKEN, token)]),
  );
  const path = c.path.replace(SESSION, ids.sessionId).replace(CHARACTER, ids.characterId);
  return { ...c, path, opts: { ...c.opts, headers } };
}

describe.each(dbKinds)('bad input against %s', (kind) => {
  let api: TestApi;
  let sessionId: string;
  let characterId: string;
  let caller: SignedUp;

  beforeAll(async () => {
    // Nothing listens on port 9: ending a session must not depend on LiveKit answering.
    api = await startTestApi(kind, {
      LIVEKIT_URL: 'ws://127.0.0.1:9',
      LIVEKIT_API_SECRET: API_SECRET,
      BODY_LIMIT: '64kb',
      // The table sends more than the default 20 auth requests a minute from one address.
      AUTH_RATE_LIMIT_PER_MINUTE: '0',
    });
    caller = await signUp(api.url);
    sessionId = (await createCallSession(api.url, caller, 'test-ada')).sessionId;
    characterId = (await createCharacter(api.url, caller, 'Bad Input Target')).id;
  });
  afterAll(async () => {
    await api?.stop();
  });

  it.each(
    [
      ...badInputCases(),
      ...accountBadInputCases(),
      ...catalogBadInputCases(),
      ...broadcastBadInputCases(),
    ].map((c) => [c.name, c] as const),
  )('when %s, then the answer is the exact error', async (_name, table) => {
    const c = realize(table, { sessionId, characterId }, caller.token);
    const res = await send(api.url, c.path, c.opts);
    expect(res.status, res.text).toBe(c.status);
    const body = ErrorBody.parse(res.body);
    expect(body.error.code).toBe(c.code);
    expect(res.text).not.toMatch(/at .+\.ts:\d+/);
    if (c.code === 'validation_failed')
      expect(body.error.details).toMatchObject({ issues: expect.any(Array) });
  });

  it('when a bad request body is sent, then the validation issues name the field and do not echo its value', async () => {
    const res = await send(api.url, '/api/sessions', {
      body: { mode: 'call', characterId: 'Sekrit Value' },
      headers: caller.headers,
    });
    expect(res.status).toBe(400);
    const issues = (ErrorBody.parse(res.body).error.details as { issues: { path: string[] }[] }).issues;
    expect(issues.map((i) => i.path)).toContainEqual(['characterId']);
    expect(res.text).not.toContain('Sekrit Value');
  });

  it('when bad input was sent, then the session it targeted is unchanged', async () => {
    const res = await send(api.url, `/api/sessions/${sessionId}`, { headers: caller.headers });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'created', transcript: [] });
  });
});
