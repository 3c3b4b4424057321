import { Room, dispose } from '@livekit/rtc-node';
import { AgentDispatchClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { sessions } from '../db/schema.ts';
import { asSeeded, dbKinds, testCharacters } from '../db/testing.ts';
import { AGENT_NAME, CreateSessionResponse, DispatchMetadata, SessionDetail } from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import type { RunningLivekitServer } from '../scripts/livekit-server.ts';
import { eventually } from '../test/support/stack.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { livekitEnv, send, startTestApi, startTestLivekit, type TestApi } from './testing.ts';

// Regression: livekit-server drops a dispatch when no worker is free, and the call then sat without
// its character forever. No agent worker runs here, so every dispatch is dropped on purpose.

let livekit: RunningLivekitServer;
const rooms: Room[] = [];
beforeAll(async () => {
  livekit = await startTestLivekit();
});
afterAll(async () => {
  for (const room of rooms) await room.disconnect().catch(() => {});
  await livekit?.stop();
  await dispose();
});

const providers = { stt: 'pocketsphinx', llm: 'offline-persona', tts: 'espeak-ng', offline: true };

describe.each(dbKinds)('agent supervision on %s', (kind) => {
  let api: TestApi;
  let owner: SignedUp;
  let dispatches: AgentDispatchClient;
  beforeAll(async () => {
    api = await startTestApi(kind, {
      ...livekitEnv(livekit),
      AGENT_JOIN_TIMEOUT_MS: '1000',
      AGENT_DISPATCH_ATTEMPTS: '2',
    });
    owner = await signUp(api.url);
    dispatches = new AgentDispatchClient(livekit.url, livekit.apiKey, livekit.apiSecret);
  });
  afterAll(async () => {
    await api?.stop();
  });

  const agentBearer = () => ({ authorization: `Bearer ${agentApiToken(livekit.apiSecret)}` });
  const detail = async (id: string) =>
    SessionDetail.parse((await send(api.url, `/api/sessions/${id}`, { headers: owner.headers })).body);

  /** Starts a call and joins its room as the caller (which makes LiveKit dispatch, to nobody). */
  async function startCall(): Promise<CreateSessionResponse> {
    const res = await send(api.url, '/api/sessions', {
      headers: owner.headers,
      body: { mode: 'call', characterId: asSeeded(testCharacters[0]!).id },
    });
    expect(res.status).toBe(201);
    const created = CreateSessionResponse.parse(res.body);
    const room = new Room();
    rooms.push(room);
    await room.connect(livekit.url, created.token, { autoSubscribe: false, dynacast: false });
    return created;
  }

  it('when no agent joins, then the API dispatches again and then fails the session with a reason', async () => {
    const created = await startCall();
    expect((await detail(created.sessionId)).agent).toMatchObject({ state: 'waiting', attempts: 1 });
    const failed = await eventually(
      () => detail(created.sessionId),
      (s) => s.status === 'failed',
      { what: 'the session to fail', timeoutMs: 30_000 },
    );
    expect(failed.agent).toMatchObject({ state: 'failed', attempts: 2 });
    expect(failed.agent?.reason).toMatch(/No agent worker took the call after 2 tries/);
    // The token's dispatch, and the API's own second one with the same session.
    const made = await dispatches.listDispatch(created.roomName);
    expect(made.map((d) => d.agentName)).toEqual([AGENT_NAME, AGENT_NAME]);
    const again = made.map((d) => DispatchMetadata.parse(JSON.parse(d.metadata)));
    expect(again.map((m) => m.sessionId)).toEqual([created.sessionId, created.sessionId]);
    expect(again.map((m) => m.attempt).sort()).toEqual([2, undefined]);
  });

  it('when a failed session is retried, then it waits for its agent again and is dispatched again', async () => {
    const created = await startCall();
    await eventually(
      () => detail(created.sessionId),
      (s) => s.status === 'failed',
      {
        what: 'the session to fail',
      },
    );
    const retried = await send(api.url, `/api/sessions/${created.sessionId}/retry`, {
      method: 'POST',
      headers: owner.headers,
    });
    expect(retried.status).toBe(200);
    // Waiting again from scratch (the supervisor may already have made the first new dispatch).
    const waiting = SessionDetail.parse(retried.body);
    expect(waiting.status).not.toBe('failed');
    expect(waiting.agent).toMatchObject({ state: 'waiting', reason: null });
    expect(waiting.agent!.attempts).toBeLessThanOrEqual(1);
    const made = await eventually(
      () => dispatches.listDispatch(created.roomName),
      (d) => d.length === 3,
      { what: 'a third dispatch' },
    );
    const attempts = made.map((d) => DispatchMetadata.parse(JSON.parse(d.metadata)).attempt);
    expect(attempts.sort()).toEqual([1, 2, undefined]);
    await send(api.url, `/api/sessions/${created.sessionId}/end`, { method: 'POST', headers: owner.headers });
    const late = await send(api.url, `/api/sessions/${created.sessionId}/retry`, {
      method: 'POST',
      headers: owner.headers,
    });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: { code: 'conflict' } });
  });

  it('when the agent reports itself with its identity, then it has joined and nothing more is awaited', async () => {
    const created = await startCall();
    const report = await send(api.url, `/api/internal/sessions/${created.sessionId}/status`, {
      headers: agentBearer(),
      body: { status: 'active', providers, identity: 'agent-AJ_test1' },
    });
    expect(report.status).toBe(204);
    const s = await detail(created.sessionId);
    expect(s.agent).toEqual({ state: 'joined', attempts: 1, waitingSince: null, reason: null });
    const [row] = await api.db.db
      .select({ next: sessions.nextCheckAt })
      .from(sessions)
      .where(eq(sessions.id, created.sessionId));
    expect(row?.next).toBeNull();
  });

  it('when the joined agent is reported gone, then the session is dispatched again at once to resume', async () => {
    const created = await startCall();
    await send(api.url, `/api/internal/sessions/${created.sessionId}/status`, {
      headers: agentBearer(),
      body: { status: 'active', providers, identity: 'agent-AJ_test2' },
    });
    // Someone else's job: not this session's agent, changes nothing.
    const stranger = await send(api.url, `/api/internal/sessions/${created.sessionId}/job-ended`, {
      headers: agentBearer(),
      body: { identity: 'agent-AJ_other', reason: 'exited' },
    });
    expect(stranger.body).toEqual({ lost: false });
    const gone = await send(api.url, `/api/internal/sessions/${created.sessionId}/job-ended`, {
      headers: agentBearer(),
      body: { identity: 'agent-AJ_test2', reason: 'exited' },
    });
    expect(gone.body).toEqual({ lost: true });
    expect((await detail(created.sessionId)).agent).toMatchObject({
      state: 'waiting',
      reason: expect.stringMatching(/process stopped/),
    });
    const made = await eventually(
      () => dispatches.listDispatch(created.roomName),
      (d) => d.length === 2,
      { what: 'a dispatch to take the call up' },
    );
    const metadata = made.map((d) => DispatchMetadata.parse(JSON.parse(d.metadata)));
    expect(metadata.find((m) => m.attempt !== undefined)).toMatchObject({ attempt: 1, resume: true });
  });

  it('when a worker reports it accepted the job, then the session waits for it and is not dispatched again', async () => {
    const created = await startCall();
    const accepted = await send(api.url, `/api/internal/sessions/${created.sessionId}/job-accepted`, {
      headers: agentBearer(),
      body: { jobId: 'AJ_starting' },
    });
    expect(accepted.status).toBe(204);
    const [row] = await api.db.db
      .select({ acceptedAt: sessions.agentAcceptedAt })
      .from(sessions)
      .where(eq(sessions.id, created.sessionId));
    expect(row?.acceptedAt).toBeInstanceOf(Date);
    // The absence of a dispatch takes a window to see: four join timeouts, when the same call
    // without a worker's word has failed after two dispatches (the first test).
    await new Promise((r) => setTimeout(r, api.config.agentDispatch.joinTimeoutMs * 4));
    expect((await detail(created.sessionId)).agent).toMatchObject({ state: 'waiting', attempts: 1 });
    expect(await dispatches.listDispatch(created.roomName)).toHaveLength(1);
    for (const body of [{}, { jobId: '' }, { jobId: 'AJ_x', extra: true }]) {
      const res = await send(api.url, `/api/internal/sessions/${created.sessionId}/job-accepted`, {
        headers: agentBearer(),
        body,
      });
      expect(res.status).toBe(400);
    }
  });

  it('when a report of a gone job is malformed, then it is a 400, never a 500', async () => {
    const created = await startCall();
    for (const body of [{}, { identity: '', reason: 'exited' }, { identity: 'agent-x', reason: 'bored' }]) {
      const res = await send(api.url, `/api/internal/sessions/${created.sessionId}/job-ended`, {
        headers: agentBearer(),
        body,
      });
      expect(res.status).toBe(400);
    }
  });
});
