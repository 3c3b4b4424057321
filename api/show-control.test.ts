import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { Room, RoomEvent, dispose } from '@livekit/rtc-node';
import { count, eq } from 'drizzle-orm';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlCommands } from '../db/schema.ts';
import { dbKinds } from '../db/testing.ts';
import {
  BROADCAST_CONTROL_TOPIC,
  Broadcast,
  ErrorBody,
  SHOW_CONTROL_SIGNATURE_HEADER,
  ShowCommand,
  ShowCommandMessage,
  ShowControlWebhook,
  StartBroadcastResponse,
} from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import type { SignedUp } from '../test/support/auth.ts';
import { listenOnFreePort, type ListeningServer } from '../test/support/listen.ts';
import { verifyShowControlSignature } from './services/show-control-webhook.ts';
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

// The show-control API against a real database and livekit-server, with the broadcast's job played
// by the test: its status report (it joined), its outcome reports, and once a real rtc-node
// participant receiving the server's packet.

const OPERATOR = { email: 'show-control-operator@example.test', password: 'operator password 1' };
const livekit = useTestLivekit();

afterAll(async () => {
  await dispose();
});

describe.each(dbKinds)('show control against %s', (kind) => {
  let api: TestApi;
  let owner: SignedUp;
  let stranger: SignedUp;
  let operator: SignedUp;
  let agent: { authorization: string };
  /** Added to the API's clock: moves the commands' lifetime along. */
  let clockOffsetMs = 0;

  const call = (path: string, opts: SendOptions = {}) => send(api.url, path, opts);
  const command = (id: string, body: unknown, headers = owner.headers, query = '') =>
    call(`/api/broadcasts/${id}/control${query}`, { body, headers });
  const report = (id: string, commandId: string, body: unknown) =>
    call(`/api/internal/broadcasts/${id}/control/${commandId}`, { body, headers: agent });
  const say = { type: 'say', characterId: 'test-ada', text: 'Welcome to the show!' };

  /** A broadcast that was started, optionally with its job in the room as `identity`. */
  const onAir = async (identity: string | null = `agent-${randomUUID()}`) => {
    const res = await call('/api/broadcasts', {
      headers: owner.headers,
      body: {
        title: 'Show control',
        characterIds: ['test-ada', 'test-bob'],
        twitch: { channel: 'troupe_test', streamKey: `test-key-${randomUUID()}` },
        output: 'builtin',
      },
    });
    const created = Broadcast.parse(res.body);
    const started = await call(`/api/broadcasts/${created.id}/start`, {
      method: 'POST',
      headers: owner.headers,
    });
    expect(started.status, started.text).toBe(200);
    const { broadcast, host } = StartBroadcastResponse.parse(started.body);
    if (identity) {
      const status = await call(`/api/internal/sessions/${broadcast.sessionId}/status`, {
        headers: agent,
        body: { status: 'active', providers: { stt: 's', llm: 'l', tts: 't', offline: true }, identity },
      });
      expect(status.status, status.text).toBe(204);
    }
    return { id: created.id, roomName: host.roomName, identity };
  };

  beforeAll(async () => {
    api = await startTestApi(
      kind,
      {
        ...livekitEnv(livekit),
        ...operatorEnv(OPERATOR),
        SHOW_CONTROL_POLL_MS: '50',
        SHOW_CONTROL_MAX_PENDING: '3',
        SHOW_CONTROL_WEBHOOK_RETRY_MS: '50',
        SHOW_CONTROL_COMMAND_TTL_MS: '60000',
        SHOW_CONTROL_RESEND_MS: '300',
        SHOW_CONTROL_SEND_ATTEMPTS: '4',
      },
      { clock: () => Date.now() + clockOffsetMs },
    );
    ({ ann: owner, ben: stranger, operator } = await signUpWithOperator(api.url, OPERATOR));
    agent = { authorization: `Bearer ${agentApiToken(livekit.apiSecret)}` };
  });
  afterAll(async () => {
    await api?.stop();
  });

  it("when another account sends or reads commands of someone's broadcast, then it is 404; an operator may", async () => {
    const show = await onAir();
    const sent = ShowCommand.parse((await command(show.id, { ...say, waitMs: 0 })).body);
    for (const [path, opts] of [
      [`/api/broadcasts/${show.id}/control`, { body: say }],
      [`/api/broadcasts/${show.id}/control/${sent.id}`, {}],
      [
        `/api/broadcasts/${show.id}/control-webhook`,
        { method: 'PUT', body: { url: 'http://127.0.0.1:9/x' } },
      ],
    ] as const) {
      const res = await call(path, { ...opts, headers: stranger.headers });
      expect(res.status, `${path}: ${res.text}`).toBe(404);
      expect((await call(path, opts)).status, `anonymous ${path}`).toBe(401);
    }
    const byOperator = await command(
      show.id,
      { type: 'topic', text: 'the harbour', waitMs: 0 },
      operator.headers,
    );
    expect(byOperator.status, byOperator.text).toBe(202);
  });

  it('when the broadcast is not on air, or its characters have not joined, then a command is 409', async () => {
    const res = await call('/api/broadcasts', {
      headers: owner.headers,
      body: { title: 'Off air', characterIds: ['test-ada', 'test-bob'], twitch: { channel: 'troupe_test' } },
    });
    const idle = Broadcast.parse(res.body);
    const off = await command(idle.id, say);
    expect(off.status).toBe(409);
    expect(ErrorBody.parse(off.body).error.message).toMatch(/not on air/);
    const waiting = await onAir(null);
    const early = await command(waiting.id, say);
    expect(early.status).toBe(409);
    expect(ErrorBody.parse(early.body).error.message).toMatch(/not joined yet/);
  });

  it('when the body is not one valid action, then it is 400 and nothing is stored', async () => {
    const show = await onAir();
    const stored = async () =>
      (
        await api.db.db
          .select({ n: count() })
          .from(controlCommands)
          .where(eq(controlCommands.broadcastId, show.id))
      )[0]!.n;
    for (const [body, query] of [
      [{}, ''],
      [{ type: 'shout', text: 'hi' }, ''],
      [{ ...say, text: '' }, ''],
      [{ ...say, when: 'later' }, ''],
      [{ ...say, extra: 1 }, ''],
      [{ ...say, characterId: 'test-cy' }, ''],
      [{ ...say, waitMs: 60_001 }, ''],
      [say, '?waitMs=soon'],
      [say, '?wait=1'],
      [['say', 'hello'], ''],
    ] as const) {
      const res = await command(show.id, body, owner.headers, query);
      expect(res.status, `${JSON.stringify(body)}${query}: ${res.text}`).toBe(400);
      expect(ErrorBody.safeParse(res.body).success).toBe(true);
    }
    expect(await stored()).toBe(0);
  });

  it('when the show answers within waitMs, then 200 with the outcome; otherwise 202 pending, and GET reads it later', async () => {
    const show = await onAir();
    const waiting = command(show.id, { ...say, waitMs: 10_000 });
    // The job answers the first command stored for this broadcast.
    let row: { id: string } | undefined;
    while (!row) {
      await new Promise((r) => setTimeout(r, 20));
      [row] = await api.db.db
        .select({ id: controlCommands.id })
        .from(controlCommands)
        .where(eq(controlCommands.broadcastId, show.id));
    }
    const answer = await report(show.id, row.id, { outcome: 'spoken', text: 'Welcome to the show!' });
    expect(answer.status, answer.text).toBe(200);
    const done = await waiting;
    expect(done.status, done.text).toBe(200);
    expect(ShowCommand.parse(done.body)).toMatchObject({
      id: row.id,
      broadcastId: show.id,
      type: 'say',
      outcome: 'spoken',
      text: 'Welcome to the show!',
    });

    const started = Date.now();
    const later = await command(
      show.id,
      { type: 'prompt', characterId: 'test-bob', prompt: 'Greet', speak: false },
      owner.headers,
      '?waitMs=300',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(later.status, later.text).toBe(202);
    const pending = ShowCommand.parse(later.body);
    expect(pending).toMatchObject({ outcome: 'pending', finishedAt: null });
    const path = `/api/broadcasts/${show.id}/control/${pending.id}`;
    expect(ShowCommand.parse((await call(path, { headers: owner.headers })).body).outcome).toBe('pending');
    await report(show.id, pending.id, { outcome: 'done', text: 'Hello, all of you!' });
    // A repeated (or late) report changes nothing.
    const again = await report(show.id, pending.id, { outcome: 'dropped', reason: 'notRunning' });
    expect(ShowCommand.parse(again.body).outcome).toBe('done');
    expect(ShowCommand.parse((await call(path, { headers: owner.headers })).body)).toMatchObject({
      outcome: 'done',
      text: 'Hello, all of you!',
    });

    expect((await report(show.id, randomUUID(), { outcome: 'done' })).status).toBe(404);
    expect((await report(show.id, pending.id, { outcome: 'pending' })).status).toBe(400);
    const forged = await call(`/api/internal/broadcasts/${show.id}/control/${pending.id}`, {
      body: { outcome: 'done' },
    });
    expect(forged.status).toBe(401);
  });

  it('when a webhook is registered, then each finished command is posted signed with its secret, again after a failure', async () => {
    const show = await onAir();
    const hits: Array<{ body: string; signature: string | undefined }> = [];
    let failures = 1;
    const receiver: ListeningServer = await listenOnFreePort(
      createServer((req: IncomingMessage, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          hits.push({
            body: Buffer.concat(chunks).toString('utf8'),
            signature: req.headers[SHOW_CONTROL_SIGNATURE_HEADER] as string,
          });
          res.statusCode = failures-- > 0 ? 503 : 204;
          res.end();
        });
      }),
    );
    try {
      const put = await call(`/api/broadcasts/${show.id}/control-webhook`, {
        method: 'PUT',
        headers: owner.headers,
        body: { url: `${receiver.url}/troupe` },
      });
      expect(put.status, put.text).toBe(200);
      expect(put.headers.get('cache-control')).toBe('no-store');
      const { secret } = ShowControlWebhook.parse(put.body);
      expect(secret).toMatch(/^whsec_[\w-]{43}$/);
      const read = ShowControlWebhook.parse(
        (await call(`/api/broadcasts/${show.id}/control-webhook`, { headers: owner.headers })).body,
      );
      expect(read).toEqual({ url: `${receiver.url}/troupe` });

      const sent = ShowCommand.parse((await command(show.id, { ...say, waitMs: 0 })).body);
      await report(show.id, sent.id, { outcome: 'dropped', reason: 'interrupted', text: 'Welcome' });
      const deadline = Date.now() + 10_000;
      while (hits.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(hits).toHaveLength(2);
      for (const hit of hits) {
        expect(
          verifyShowControlSignature(secret!, hit.body, hit.signature, Math.floor(Date.now() / 1000)),
        ).toBe(true);
        expect(
          verifyShowControlSignature('whsec_wrong', hit.body, hit.signature, Math.floor(Date.now() / 1000)),
        ).toBe(false);
        expect(ShowCommand.parse(JSON.parse(hit.body))).toMatchObject({
          id: sent.id,
          outcome: 'dropped',
          reason: 'interrupted',
          text: 'Welcome',
        });
      }
      expect(api.logs.lines.join('\n')).not.toContain(secret!);

      expect(
        (
          await call(`/api/broadcasts/${show.id}/control-webhook`, {
            method: 'DELETE',
            headers: owner.headers,
          })
        ).status,
      ).toBe(204);
      expect(
        (await call(`/api/broadcasts/${show.id}/control-webhook`, { headers: owner.headers })).status,
      ).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it('when the show never answers, then the command is lost after its lifetime; when too many wait, then 429', async () => {
    const show = await onAir();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1)
      ids.push(ShowCommand.parse((await command(show.id, { ...say, waitMs: 0 })).body).id);
    const fourth = await command(show.id, { ...say, waitMs: 0 });
    expect(fourth.status).toBe(429);
    expect(fourth.headers.get('retry-after')).toBe('1');
    clockOffsetMs = 61_000;
    try {
      const lost = await call(`/api/broadcasts/${show.id}/control/${ids[0]}`, { headers: owner.headers });
      expect(ShowCommand.parse(lost.body)).toMatchObject({ outcome: 'dropped', reason: 'lost' });
    } finally {
      clockOffsetMs = 0;
    }
    expect((await command(show.id, { ...say, waitMs: 0 })).status).toBe(202);
  });

  it.runIf(kind === 'postgres')(
    'when a command is sent, then the job receives it from the server itself (no sender, on the control topic, to it alone) until it confirms it',
    async () => {
      const identity = `agent-${randomUUID()}`;
      const show = await onAir(identity);
      const token = new AccessToken(livekit.apiKey, livekit.apiSecret, { identity });
      token.addGrant({ roomJoin: true, room: show.roomName, canSubscribe: true, canPublishData: true });
      const bystanderToken = new AccessToken(livekit.apiKey, livekit.apiSecret, { identity: 'bystander' });
      bystanderToken.addGrant({ roomJoin: true, room: show.roomName, canSubscribe: true });
      const job = new Room();
      const bystander = new Room();
      const received: Array<{ sender: unknown; topic: string | undefined; payload: string }> = [];
      const overheard: string[] = [];
      job.on(RoomEvent.DataReceived, (payload, participant, _kind, topic) =>
        received.push({ sender: participant, topic, payload: new TextDecoder().decode(payload) }),
      );
      bystander.on(RoomEvent.DataReceived, (payload) => overheard.push(new TextDecoder().decode(payload)));
      try {
        await job.connect(livekit.url, await token.toJwt(), { autoSubscribe: false, dynacast: false });
        await bystander.connect(livekit.url, await bystanderToken.toJwt(), {
          autoSubscribe: false,
          dynacast: false,
        });
        const sent = ShowCommand.parse((await command(show.id, { ...say, when: 'now', waitMs: 0 })).body);
        const deadline = Date.now() + 10_000;
        // Not confirmed yet: sent again after SHOW_CONTROL_RESEND_MS.
        while (received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        expect(received).toHaveLength(2);
        expect(received[1]!.payload).toBe(received[0]!.payload);
        const receipt = await call(`/api/internal/broadcasts/${show.id}/control/${sent.id}/received`, {
          body: {},
          headers: agent,
        });
        expect(receipt.status, receipt.text).toBe(204);
        await new Promise((r) => setTimeout(r, 900));
        expect(received).toHaveLength(2);
        expect(received[0]!.sender).toBeUndefined();
        expect(received[0]!.topic).toBe(BROADCAST_CONTROL_TOPIC);
        expect(ShowCommandMessage.parse(JSON.parse(received[0]!.payload))).toEqual({
          type: 'command',
          id: sent.id,
          action: { type: 'say', characterId: 'test-ada', text: 'Welcome to the show!', when: 'now' },
        });
        expect(overheard).toEqual([]);
      } finally {
        await job.disconnect();
        await bystander.disconnect();
      }
    },
  );
});
