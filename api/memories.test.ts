import { randomBytes } from 'node:crypto';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import { CreateSessionResponse, DispatchMetadata } from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { send, startTestApi, type TestApi } from './testing.ts';

// Memory across calls, at the API: the agent reports a call's summary; the next call between the
// same person and character carries it in its dispatch, and nobody else's call does.

const SECRET = `memory-test-secret-${randomBytes(12).toString('hex')}`;

describe.each(dbKinds)('call memories against %s', (kind) => {
  let api: TestApi;
  let ada: SignedUp;
  let bob: SignedUp;
  const agent = { authorization: `Bearer ${agentApiToken(SECRET)}` };

  const call = async (who: SignedUp, characterId = 'test-ada') => {
    const res = await send(api.url, '/api/sessions', {
      body: { mode: 'call', characterId },
      headers: who.headers,
    });
    expect(res.status, res.text).toBe(201);
    return CreateSessionResponse.parse(res.body);
  };
  const memoriesIn = async (created: CreateSessionResponse) => {
    const claims = await new TokenVerifier('testkey', SECRET).verify(created.token);
    const metadata = claims.roomConfig?.agents?.[0]?.metadata ?? 'null';
    return DispatchMetadata.parse(JSON.parse(metadata)).memories ?? [];
  };
  const remember = (sessionId: string, summary: unknown) =>
    send(api.url, `/api/internal/sessions/${sessionId}/summary`, { body: { summary }, headers: agent });

  beforeAll(async () => {
    api = await startTestApi(kind, { LIVEKIT_API_KEY: 'testkey', LIVEKIT_API_SECRET: SECRET });
    ada = await signUp(api.url);
    bob = await signUp(api.url);
  });
  afterAll(async () => api?.stop());

  it('when the agent reports a summary, then the same person’s next call with that character starts with it', async () => {
    const first = await call(ada);
    expect(await memoriesIn(first)).toEqual([]);
    expect((await remember(first.sessionId, "The caller's name is Ada.")).status).toBe(204);
    // A retried report replaces, never duplicates.
    expect((await remember(first.sessionId, "The caller's name is Ada.")).status).toBe(204);
    const second = await call(ada);
    expect((await remember(second.sessionId, 'Ada is learning the cello.')).status).toBe(204);
    expect(await memoriesIn(await call(ada))).toEqual([
      'Ada is learning the cello.',
      "The caller's name is Ada.",
    ]);
  });

  it('when another person or another character is called, then those memories stay out of it', async () => {
    expect(await memoriesIn(await call(bob))).toEqual([]);
    const other = await call(ada, 'test-bob');
    expect(await memoriesIn(other)).toEqual([]);
  });

  it('when a summary is empty, too long, for an unknown session or without the agent token, then it is refused', async () => {
    const s = await call(ada);
    expect((await remember(s.sessionId, '   ')).status).toBe(400);
    expect((await remember(s.sessionId, 'x'.repeat(4001))).status).toBe(400);
    expect((await remember('6f1c1e47-5d7e-4f43-9a39-2f3f3c1d9b10', 'hello')).status).toBe(404);
    const forged = await send(api.url, `/api/internal/sessions/${s.sessionId}/summary`, {
      body: { summary: 'hello' },
      headers: ada.headers,
    });
    expect(forged.status).toBe(401);
  });
});
