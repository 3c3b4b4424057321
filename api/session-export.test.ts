import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memories, messages } from '../db/schema.ts';
import { dbKinds } from '../db/testing.ts';
import { CreateSessionResponse, SessionDetail, type Turn } from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { send, startTestApi, type TestApi } from './testing.ts';

// A session's owner can take its transcript away (JSON or plain text) and delete it with
// everything it stored; nobody else can do either.

const SECRET = `export-test-secret-${randomBytes(12).toString('hex')}`;
const agent = { authorization: `Bearer ${agentApiToken(SECRET)}` };

function turn(role: 'user' | 'assistant', text: string, second: number, heard = text): Turn {
  const at = new Date(Date.UTC(2026, 10, 21, 12, 0, second)).toISOString();
  return {
    id: randomUUID(),
    role,
    speaker: role === 'user' ? 'caller-1' : 'test-ada',
    speakerName: role === 'user' ? 'Grace' : 'Ada',
    text,
    heardText: heard,
    interrupted: heard !== text,
    startedAt: at,
    endedAt: at,
    metrics: { eouDelayMs: null, sttDelayMs: null, llmTtftMs: null, ttsTtfbMs: null, voiceToVoiceMs: null },
  };
}

describe.each(dbKinds)('session export and deletion against %s', (kind) => {
  let api: TestApi;
  let owner: SignedUp;
  let other: SignedUp;

  const newSession = async () => {
    const res = await send(api.url, '/api/sessions', {
      body: { mode: 'call', characterId: 'test-ada', displayName: 'Grace' },
      headers: owner.headers,
    });
    const created = CreateSessionResponse.parse(res.body);
    for (const t of [
      turn('user', 'hello there', 1),
      turn('assistant', 'Hello Grace! Let me tell you about engines.', 2, 'Hello Grace!'),
    ]) {
      const r = await send(api.url, `/api/internal/sessions/${created.sessionId}/turns`, {
        body: t,
        headers: agent,
      });
      expect(r.status, r.text).toBe(201);
    }
    await send(api.url, `/api/internal/sessions/${created.sessionId}/summary`, {
      body: { summary: 'Grace said hello.' },
      headers: agent,
    });
    return created.sessionId;
  };

  beforeAll(async () => {
    api = await startTestApi(kind, { LIVEKIT_URL: 'ws://127.0.0.1:9', LIVEKIT_API_SECRET: SECRET });
    owner = await signUp(api.url);
    other = await signUp(api.url);
  });
  afterAll(async () => api?.stop());

  it('when the owner exports as JSON, then it is the session with its transcript, as a download', async () => {
    const id = await newSession();
    const res = await send(api.url, `/api/sessions/${id}/export?format=json`, { headers: owner.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`troupe-session-${id}.json`);
    const detail = SessionDetail.parse(res.body);
    const direct = await send(api.url, `/api/sessions/${id}`, { headers: owner.headers });
    expect(detail).toEqual(direct.body);
  });

  it('when the owner exports as text, then each turn is a line with its time and speaker, cuts marked', async () => {
    const id = await newSession();
    const res = await send(api.url, `/api/sessions/${id}/export?format=text`, { headers: owner.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toContain('[12:00:01] Grace: hello there');
    expect(res.text).toContain('[12:00:02] Ada: Hello Grace! Let me tell you about engines.');
    expect(res.text).toContain('(interrupted; heard: Hello Grace!)');
  });

  it('when the format is unknown, then it is a 400 in the error shape', async () => {
    const id = await newSession();
    const res = await send(api.url, `/api/sessions/${id}/export?format=xml`, { headers: owner.headers });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('when someone else or nobody asks, then export and delete are refused without revealing the session', async () => {
    const id = await newSession();
    expect((await send(api.url, `/api/sessions/${id}/export`, { headers: other.headers })).status).toBe(404);
    expect(
      (await send(api.url, `/api/sessions/${id}`, { method: 'DELETE', headers: other.headers })).status,
    ).toBe(404);
    expect((await send(api.url, `/api/sessions/${id}/export`)).status).toBe(401);
    expect((await send(api.url, `/api/sessions/${id}`, { method: 'DELETE' })).status).toBe(401);
  });

  it('when the owner deletes a session, then it and everything it stored are gone', async () => {
    const id = await newSession();
    const res = await send(api.url, `/api/sessions/${id}`, { method: 'DELETE', headers: owner.headers });
    expect(res.status).toBe(204);
    expect((await send(api.url, `/api/sessions/${id}`, { headers: owner.headers })).status).toBe(404);
    expect(await api.db.db.select().from(messages).where(eq(messages.sessionId, id))).toEqual([]);
    expect(await api.db.db.select().from(memories).where(eq(memories.sessionId, id))).toEqual([]);
    expect(
      (await send(api.url, `/api/sessions/${id}`, { method: 'DELETE', headers: owner.headers })).status,
    ).toBe(404);
  });
});
