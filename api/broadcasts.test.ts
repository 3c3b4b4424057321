import { eq } from 'drizzle-orm';
import { AgentDispatchClient, TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcasts } from '../db/schema.ts';
import { dbKinds } from '../db/testing.ts';
import {
  Broadcast,
  BroadcastList,
  BroadcastOutputTargets,
  DispatchMetadata,
  ErrorBody,
  SessionDetail,
  StageAccess,
  StartBroadcastResponse,
} from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import { dumpTextColumns, testSecrets } from '../test/support/broadcasts.ts';
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

// Broadcasts with the built-in output (no egress service configured): settings, who may touch
// them, the agent's side, and the rule that a stream key never leaves in clear except to the agent.

const OPERATOR = { email: 'broadcast-operator@example.test', password: 'operator password 1' };
const BROADCAST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

const livekit = useTestLivekit();

describe.each(dbKinds)('broadcasts against %s', (kind) => {
  let api: TestApi;
  let owner: SignedUp;
  let stranger: SignedUp;
  let operator: SignedUp;
  let agent: { authorization: string };
  const secrets = testSecrets();
  /** Every answer the API gave in this file, to search for secrets at the end. */
  const answers: string[] = [];

  const call = async (path: string, opts: SendOptions = {}) => {
    const res = await send(api.url, path, opts);
    answers.push(JSON.stringify([...res.headers.entries()]), res.text);
    return res;
  };
  const input = (over: Record<string, unknown> = {}) => ({
    title: 'Ada and Bob at the harbour',
    characterIds: ['test-ada', 'test-bob'],
    twitch: { channel: 'Troupe_Test', streamKey: secrets.twitchKey, chatOAuthToken: secrets.chatToken },
    destinations: [
      { name: 'YouTube', url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: secrets.youtubeKey },
      { name: 'Own server', url: 'rtmps://ingest.example.test/app/fixed' },
    ],
    autonomous: { enabled: true, agenda: ['boats', 'engines'] },
    ...over,
  });
  const create = async (over: Record<string, unknown> = {}, headers = owner.headers) => {
    const res = await call('/api/broadcasts', { body: input(over), headers });
    expect(res.status, res.text).toBe(201);
    return Broadcast.parse(res.body);
  };

  beforeAll(async () => {
    api = await startTestApi(kind, {
      ...livekitEnv(livekit),
      BROADCAST_SECRET_KEY,
      PUBLIC_WEB_URL: 'https://troupe.example.test/',
      ...operatorEnv(OPERATOR),
    });
    ({ ann: owner, ben: stranger, operator } = await signUpWithOperator(api.url, OPERATOR));
    agent = { authorization: `Bearer ${agentApiToken(livekit.apiSecret)}` };
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('when a broadcast is created, then it answers every setting with defaults and only whether each secret is set', async () => {
    const created = await create();
    expect(created).toMatchObject({
      ownerId: owner.user.id,
      characterIds: ['test-ada', 'test-bob'],
      twitch: {
        channel: 'troupe_test',
        ingestUrl: 'rtmp://live.twitch.tv/app',
        streamKeySet: true,
        chatOAuthTokenSet: true,
      },
      destinations: [
        { name: 'YouTube', url: 'rtmp://a.rtmp.youtube.com/live2', streamKeySet: true },
        { name: 'Own server', url: 'rtmps://ingest.example.test/app/fixed', streamKeySet: false },
      ],
      autonomous: { enabled: true, idleAfterMs: 20_000, cadenceMs: 60_000, agenda: ['boats', 'engines'] },
      output: 'auto',
      outputUsed: null,
      video: { width: 1280, height: 720, fps: 30 },
      status: 'idle',
      sessionId: null,
      egressId: null,
    });
    expect(created.settings.chainCap).toBe(2);
    const [row] = await api.db.db.select().from(broadcasts).where(eq(broadcasts.id, created.id));
    for (const sealed of [
      row!.twitchStreamKeyEnc,
      row!.twitchChatTokenEnc,
      row!.destinations[0]!.streamKeyEnc,
    ])
      expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    const listed = BroadcastList.parse((await call('/api/broadcasts', { headers: owner.headers })).body);
    expect(listed.broadcasts.map((b) => b.id)).toContain(created.id);
  });

  it("when another account reads, changes, starts, stops or deletes someone's broadcast, then it is 404 and nothing changes", async () => {
    const theirs = await create();
    const path = `/api/broadcasts/${theirs.id}`;
    const attempts: [string, SendOptions][] = [
      [path, {}],
      [path, { method: 'PATCH', body: { title: 'Mine now' } }],
      [path, { method: 'DELETE' }],
      [`${path}/start`, { method: 'POST' }],
      [`${path}/stop`, { method: 'POST' }],
      [`${path}/stage-token`, {}],
    ];
    for (const [p, opts] of attempts) {
      const res = await call(p, { ...opts, headers: stranger.headers });
      expect(res.status, `${opts.method ?? 'GET'} ${p}`).toBe(404);
      const anonymous = await call(p, opts);
      expect(anonymous.status, `anonymous ${opts.method ?? 'GET'} ${p}`).toBe(401);
    }
    const list = BroadcastList.parse((await call('/api/broadcasts', { headers: stranger.headers })).body);
    expect(list.broadcasts.map((b) => b.id)).not.toContain(theirs.id);
    const after = Broadcast.parse((await call(path, { headers: owner.headers })).body);
    expect(after).toEqual(theirs);
  });

  it("when an operator acts on someone's broadcast, then they may read and change it but not put it on air", async () => {
    const theirs = await create();
    const path = `/api/broadcasts/${theirs.id}`;
    expect((await call(path, { headers: operator.headers })).status).toBe(200);
    const patched = await call(path, {
      method: 'PATCH',
      body: { title: 'Moderated' },
      headers: operator.headers,
    });
    expect(patched.status, patched.text).toBe(200);
    const start = await call(`${path}/start`, { method: 'POST', headers: operator.headers });
    expect(start.status).toBe(403);
    expect(ErrorBody.parse(start.body).error.code).toBe('forbidden');
  });

  it('when secrets are patched, then a new key replaces the old, null clears it, and a destination sent back by id keeps its key', async () => {
    const created = await create();
    const path = `/api/broadcasts/${created.id}`;
    const youtube = created.destinations[0]!;
    const res = await call(path, {
      method: 'PATCH',
      headers: owner.headers,
      body: {
        twitch: { streamKey: secrets.replacementKey, chatOAuthToken: null },
        destinations: [
          { id: youtube.id, name: 'YouTube main', url: youtube.url },
          { name: 'Backup', url: 'rtmp://backup.example.test/live', streamKey: null },
        ],
      },
    });
    expect(res.status, res.text).toBe(200);
    const patched = Broadcast.parse(res.body);
    expect(patched.twitch).toMatchObject({ streamKeySet: true, chatOAuthTokenSet: false });
    expect(patched.destinations).toMatchObject([
      { id: youtube.id, name: 'YouTube main', streamKeySet: true },
      { name: 'Backup', streamKeySet: false },
    ]);
    await api.db.db.update(broadcasts).set({ status: 'starting' }).where(eq(broadcasts.id, created.id));
    const targets = BroadcastOutputTargets.parse(
      (await call(`/api/internal/broadcasts/${created.id}/output`, { headers: agent })).body,
    );
    expect(targets.rtmp).toEqual([
      { name: 'twitch', url: `rtmp://live.twitch.tv/app/${secrets.replacementKey}` },
      { name: 'YouTube main', url: `rtmp://a.rtmp.youtube.com/live2/${secrets.youtubeKey}` },
      { name: 'Backup', url: 'rtmp://backup.example.test/live' },
    ]);
    expect(targets.chat).toEqual({ channel: 'troupe_test', oauthToken: null });
    const onAir = await call(path, { method: 'PATCH', headers: owner.headers, body: { title: 'Too late' } });
    expect(onAir.status).toBe(409);
  });

  it('when a broadcast with the built-in output starts, goes live and stops, then the session, dispatch, stage token and status follow', async () => {
    const created = await create();
    const path = `/api/broadcasts/${created.id}`;
    const res = await call(`${path}/start`, { method: 'POST', headers: owner.headers });
    expect(res.status, res.text).toBe(200);
    const started = StartBroadcastResponse.parse(res.body);
    expect(started.broadcast).toMatchObject({ status: 'starting', outputUsed: 'builtin', egressId: null });
    const sessionId = started.broadcast.sessionId!;
    expect(started.broadcast.roomName).toBe(`call-${sessionId}`);
    expect((await call(`${path}/start`, { method: 'POST', headers: owner.headers })).status).toBe(409);

    // Dispatched by the server, with the broadcast in its metadata and no secret in it.
    const dispatches = await new AgentDispatchClient(
      livekit.url,
      livekit.apiKey,
      livekit.apiSecret,
    ).listDispatch(started.host.roomName);
    expect(dispatches).toHaveLength(1);
    const metadata = DispatchMetadata.parse(JSON.parse(dispatches[0]!.metadata));
    expect(metadata).toMatchObject({
      sessionId,
      mode: 'group',
      broadcast: { id: created.id, output: 'builtin' },
    });
    expect(metadata.characters?.map((c) => c.id)).toEqual(['test-ada', 'test-bob']);
    const hostClaims = await new TokenVerifier(livekit.apiKey, livekit.apiSecret).verify(started.host.token);
    expect(hostClaims.roomConfig).toBeUndefined();

    // The agent reads its targets and reports the output live.
    expect((await call(`/api/internal/broadcasts/${created.id}/output`)).status).toBe(401);
    const output = await call(`/api/internal/broadcasts/${created.id}/output`, { headers: agent });
    expect(output.headers.get('cache-control')).toBe('no-store');
    const targets = BroadcastOutputTargets.parse(output.body);
    expect(targets.rtmp).toEqual([
      { name: 'twitch', url: `rtmp://live.twitch.tv/app/${secrets.twitchKey}` },
      { name: 'YouTube', url: `rtmp://a.rtmp.youtube.com/live2/${secrets.youtubeKey}` },
      { name: 'Own server', url: 'rtmps://ingest.example.test/app/fixed' },
    ]);
    expect(targets.chat).toEqual({ channel: 'troupe_test', oauthToken: secrets.chatToken });
    const live = await call(`/api/internal/broadcasts/${created.id}/status`, {
      body: { status: 'live' },
      headers: agent,
    });
    expect(live.status, live.text).toBe(204);
    const onAir = Broadcast.parse((await call(path, { headers: owner.headers })).body);
    expect(onAir.status).toBe('live');
    expect(onAir.startedAt).not.toBeNull();

    // The stage page, for OBS: a token that watches and nothing else.
    const stage = StageAccess.parse((await call(`${path}/stage-token`, { headers: owner.headers })).body);
    const stageUrl = new URL(stage.stageUrl);
    expect(`${stageUrl.origin}${stageUrl.pathname}`).toBe('https://troupe.example.test/');
    const [route, query] = stageUrl.hash.split('?');
    expect(route).toBe(`#/stage/${created.id}`);
    expect(new URLSearchParams(query).get('token')).toBe(stage.token);
    expect(new URLSearchParams(query).get('url')).toBe(livekit.url);
    const claims = await new TokenVerifier(livekit.apiKey, livekit.apiSecret).verify(stage.token);
    expect(claims.video).toMatchObject({
      room: started.host.roomName,
      roomJoin: true,
      canSubscribe: true,
      canPublish: false,
      canPublishData: false,
      hidden: true,
    });

    const stopped = await call(`${path}/stop`, { method: 'POST', headers: owner.headers });
    expect(stopped.status, stopped.text).toBe(200);
    expect(Broadcast.parse(stopped.body)).toMatchObject({ status: 'ended', sessionId });
    const session = SessionDetail.parse(
      (await call(`/api/sessions/${sessionId}`, { headers: owner.headers })).body,
    );
    expect(session.status).toBe('ended');
    expect((await call(`/api/internal/broadcasts/${created.id}/output`, { headers: agent })).status).toBe(
      409,
    );
    // A late report does not bring an ended show back.
    await call(`/api/internal/broadcasts/${created.id}/status`, { body: { status: 'live' }, headers: agent });
    expect(Broadcast.parse((await call(path, { headers: owner.headers })).body).status).toBe('ended');
  });

  it('when the agent reports the built-in output failed, then the broadcast is failed with the reason and its session ends', async () => {
    const created = await create();
    const started = StartBroadcastResponse.parse(
      (await call(`/api/broadcasts/${created.id}/start`, { method: 'POST', headers: owner.headers })).body,
    );
    await call(`/api/internal/broadcasts/${created.id}/status`, {
      body: { status: 'failed', error: 'ffmpeg exited with code 1' },
      headers: agent,
    });
    const failed = Broadcast.parse(
      (await call(`/api/broadcasts/${created.id}`, { headers: owner.headers })).body,
    );
    expect(failed).toMatchObject({ status: 'failed', lastError: 'ffmpeg exited with code 1' });
    const session = SessionDetail.parse(
      (await call(`/api/sessions/${started.broadcast.sessionId}`, { headers: owner.headers })).body,
    );
    expect(session.status).toBe('ended');
  });

  it('when a broadcast has no stream key and no destination, then starting it is refused with 409', async () => {
    const bare = await create({ twitch: { channel: 'troupe_test' }, destinations: [] });
    const res = await call(`/api/broadcasts/${bare.id}/start`, { method: 'POST', headers: owner.headers });
    expect(res.status).toBe(409);
    expect(
      Broadcast.parse((await call(`/api/broadcasts/${bare.id}`, { headers: owner.headers })).body).status,
    ).toBe('idle');
  });

  it("when a stored key was altered or moved from another broadcast, then the agent's request for it fails with an error that says so and nothing goes out", async () => {
    const donor = await create();
    const victim = await create();
    const [donorRow] = await api.db.db.select().from(broadcasts).where(eq(broadcasts.id, donor.id));
    // A ciphertext from another row: valid on its own, bound to the other broadcast's id.
    await api.db.db
      .update(broadcasts)
      .set({ twitchStreamKeyEnc: donorRow!.twitchStreamKeyEnc })
      .where(eq(broadcasts.id, victim.id));
    const res = await call(`/api/broadcasts/${victim.id}/start`, { method: 'POST', headers: owner.headers });
    // The built-in output reads its targets in the agent: the API finds out there.
    expect(res.status, res.text).toBe(200);
    const output = await call(`/api/internal/broadcasts/${victim.id}/output`, { headers: agent });
    expect(output.status).toBe(500);
    expect(ErrorBody.parse(output.body).error.message).toMatch(
      /could not be decrypted.*BROADCAST_SECRET_KEY/,
    );
    expect(output.text).not.toContain(secrets.twitchKey);
    await call(`/api/broadcasts/${victim.id}/stop`, { method: 'POST', headers: owner.headers });

    const sealed = donorRow!.twitchStreamKeyEnc!;
    const flipped = `${sealed.slice(0, -2)}${sealed.at(-2) === 'A' ? 'B' : 'A'}${sealed.slice(-1)}`;
    await api.db.db
      .update(broadcasts)
      .set({ twitchStreamKeyEnc: flipped })
      .where(eq(broadcasts.id, donor.id));
    await api.db.db.update(broadcasts).set({ status: 'live' }).where(eq(broadcasts.id, donor.id));
    const tampered = await call(`/api/internal/broadcasts/${donor.id}/output`, { headers: agent });
    expect(tampered.status).toBe(500);
    expect(ErrorBody.parse(tampered.body).error.message).toContain('twitch.streamKey could not be decrypted');
  });

  it('when everything above has run, then no stream key or chat token appears in any answer, log line or stored value in clear', async () => {
    const logs = api.logs.lines.join('\n');
    expect(api.logs.records.some((r) => r.level === 20)).toBe(true); // debug lines were captured
    const stored = (await dumpTextColumns(api.db.db)).join('\n');
    expect(stored).toContain('broadcasts.twitch_stream_key_enc=v1.');
    // Answers include the agent's output endpoint, which is the one place they may appear.
    const publicAnswers = answers.filter((a) => !a.includes('"rtmp":['));
    for (const secret of Object.values(secrets)) {
      expect(logs, 'logs').not.toContain(secret);
      expect(stored, 'database').not.toContain(secret);
      expect(publicAnswers.join('\n'), 'answers').not.toContain(secret);
    }
  });
});
