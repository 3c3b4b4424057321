import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlCommands } from '../db/schema.ts';
import { dbKinds } from '../db/testing.ts';
import { CreateSessionResponse, ErrorBody, ShowCommand } from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import type { SignedUp } from '../test/support/auth.ts';
import {
  livekitEnv,
  operatorEnv,
  send,
  signUpWithOperator,
  startTestApi,
  useTestLivekit,
  type SendOptions,
  type TestApi,
} from './testing.ts';

// The show-control API of a running group session (POST /api/sessions/:id/control) against a real
// database and livekit-server, with the session's job played by the test: its status report (it
// joined) and its outcome reports.

const OPERATOR = { email: 'session-control-operator@example.test', password: 'operator password 1' };
const livekit = useTestLivekit();

describe.each(dbKinds)('show control of group sessions against %s', (kind) => {
  let api: TestApi;
  let owner: SignedUp;
  let stranger: SignedUp;
  let operator: SignedUp;
  let agent: { authorization: string };

  const call = (path: string, opts: SendOptions = {}) => send(api.url, path, opts);
  const command = (id: string, body: unknown, headers = owner.headers) =>
    call(`/api/sessions/${id}/control`, { body, headers });
  const report = (id: string, commandId: string, body: unknown) =>
    call(`/api/internal/sessions/${id}/control/${commandId}`, { body, headers: agent });
  const say = { type: 'say', characterId: 'test-ada', text: 'Welcome, everyone!' };

  /** A session of `mode`, with its job reported in the room unless `joined` is false. */
  const running = async (mode: 'group' | 'call' = 'group', joined = true) => {
    const body =
      mode === 'group'
        ? { mode, characterIds: ['test-ada', 'test-bob'], displayName: 'Host' }
        : { mode, characterId: 'test-ada' };
    const res = await call('/api/sessions', { body, headers: owner.headers });
    expect(res.status, res.text).toBe(201);
    const { sessionId, roomName } = CreateSessionResponse.parse(res.body);
    if (joined) {
      // The room the job would be in (LiveKit takes no packet for a room that does not exist).
      await new RoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret).createRoom({
        name: roomName,
      });
      const status = await call(`/api/internal/sessions/${sessionId}/status`, {
        headers: agent,
        body: {
          status: 'active',
          providers: { stt: 's', llm: 'l', tts: 't', offline: true },
          identity: `agent-${randomUUID()}`,
        },
      });
      expect(status.status, status.text).toBe(204);
    }
    return sessionId;
  };
  const stored = async (sessionId: string) =>
    api.db.db.select().from(controlCommands).where(eq(controlCommands.sessionId, sessionId));

  beforeAll(async () => {
    api = await startTestApi(kind, {
      ...livekitEnv(livekit),
      ...operatorEnv(OPERATOR),
      SHOW_CONTROL_POLL_MS: '50',
      SHOW_CONTROL_RESEND_MS: '300',
      SHOW_CONTROL_SEND_ATTEMPTS: '2',
    });
    ({ ann: owner, ben: stranger, operator } = await signUpWithOperator(api.url, OPERATOR));
    agent = { authorization: `Bearer ${agentApiToken(livekit.apiSecret)}` };
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("when another account sends or reads commands of someone's session, then it is 404; an operator may", async () => {
    const id = await running();
    const sent = ShowCommand.parse((await command(id, { ...say, waitMs: 0 })).body);
    for (const [path, opts] of [
      [`/api/sessions/${id}/control`, { body: say }],
      [`/api/sessions/${id}/control/${sent.id}`, {}],
    ] as const) {
      const res = await call(path, { ...opts, headers: stranger.headers });
      expect(res.status, `${path}: ${res.text}`).toBe(404);
      expect((await call(path, opts)).status, `anonymous ${path}`).toBe(401);
    }
    expect((await command(randomUUID(), say)).status).toBe(404);
    expect((await command('not-a-uuid', say)).status).toBe(404);
    const byOperator = await command(id, { type: 'topic', text: 'the harbour', waitMs: 0 }, operator.headers);
    expect(byOperator.status, byOperator.text).toBe(202);
  });

  it('when the session is a call, has no agent yet or has ended, then a command is 409', async () => {
    const one = await running('call');
    const asCall = await command(one, say);
    expect(asCall.status, asCall.text).toBe(409);
    expect(ErrorBody.parse(asCall.body).error.message).toMatch(/only a group session/);
    const early = await command(await running('group', false), say);
    expect(early.status, early.text).toBe(409);
    expect(ErrorBody.parse(early.body).error.message).toMatch(/not joined yet/);
    const ended = await running();
    await call(`/api/sessions/${ended}/end`, { method: 'POST', headers: owner.headers });
    const late = await command(ended, say);
    expect(late.status, late.text).toBe(409);
  });

  it('when the action needs a stage or the body is not one valid action, then it is 400 and nothing is stored', async () => {
    const id = await running();
    for (const body of [
      { type: 'expression', characterId: 'test-ada', name: 'happy' },
      { type: 'motion', characterId: 'test-ada', name: 'wave' },
      { type: 'switch', characterId: 'test-bob' },
    ]) {
      const res = await command(id, body);
      expect(res.status, res.text).toBe(400);
      expect(ErrorBody.parse(res.body).error.code).toBe('not_supported_in_group_call');
    }
    for (const body of [
      {},
      { ...say, text: '' },
      { ...say, characterId: 'test-cy' },
      { ...say, waitMs: 60_001 },
    ]) {
      const res = await command(id, body);
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(400);
      expect(ErrorBody.safeParse(res.body).success).toBe(true);
    }
    expect(await stored(id)).toEqual([]);
  });

  it('when the job reports within waitMs, then 200 with the outcome, and GET reads it; the broadcast routes do not see it', async () => {
    const id = await running();
    const waiting = command(id, { ...say, waitMs: 10_000 });
    let rows: Awaited<ReturnType<typeof stored>> = [];
    while (rows.length === 0) {
      await new Promise((r) => setTimeout(r, 20));
      rows = await stored(id);
    }
    const row = rows[0]!;
    expect(row.broadcastId).toBeNull();
    const received = await call(`/api/internal/sessions/${id}/control/${row.id}/received`, {
      body: {},
      headers: agent,
    });
    expect(received.status, received.text).toBe(204);
    const answer = await report(id, row.id, { outcome: 'spoken', text: 'Welcome, everyone!' });
    expect(answer.status, answer.text).toBe(200);
    const done = await waiting;
    expect(done.status, done.text).toBe(200);
    const expected = {
      id: row.id,
      broadcastId: null,
      sessionId: id,
      type: 'say',
      outcome: 'spoken',
      text: 'Welcome, everyone!',
    };
    expect(ShowCommand.parse(done.body)).toMatchObject(expected);
    const read = await call(`/api/sessions/${id}/control/${row.id}`, { headers: owner.headers });
    expect(ShowCommand.parse(read.body)).toMatchObject(expected);
    expect((await report(randomUUID(), row.id, { outcome: 'done' })).status).toBe(404);
    const asBroadcast = await call(`/api/internal/broadcasts/${randomUUID()}/control/${row.id}`, {
      body: { outcome: 'done' },
      headers: agent,
    });
    expect(asBroadcast.status).toBe(404);
    expect(
      (await call(`/api/sessions/${id}/control/${randomUUID()}`, { headers: owner.headers })).status,
    ).toBe(404);
    const forged = await call(`/api/internal/sessions/${id}/control/${row.id}`, {
      body: { outcome: 'done' },
    });
    expect(forged.status).toBe(401);
  });

  it('when the session is deleted, then its commands, lines and answers go with it', async () => {
    const id = await running();
    const sent = await command(id, { ...say, waitMs: 0 });
    expect(sent.status, sent.text).toBe(202);
    const { id: commandId } = ShowCommand.parse(sent.body);
    const byId = () => api.db.db.select().from(controlCommands).where(eq(controlCommands.id, commandId));
    expect(await byId()).toHaveLength(1);
    const deleted = await send(api.url, `/api/sessions/${id}`, { method: 'DELETE', headers: owner.headers });
    expect(deleted.status, deleted.text).toBe(204);
    expect(await byId()).toEqual([]);
  });
});
