import { createHash, randomUUID } from 'node:crypto';
import { AccessToken, EgressInfo, EgressStatus, TokenVerifier, WebhookEvent } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import { Broadcast, ErrorBody, SessionDetail, StartBroadcastResponse } from '../protocol/index.ts';
import type { RunningLivekitServer } from '../scripts/livekit-server.ts';
import { dumpTextColumns, testSecrets } from '../test/support/broadcasts.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { startFakeEgress, type FakeEgress } from '../test/support/fake-egress.ts';
import {
  livekitEnv,
  send,
  startTestApi,
  startTestLivekit,
  type SendOptions,
  type TestApi,
} from './testing.ts';

// LiveKit Egress at the wire: no egress service can run here, so a stand-in for its Twirp API sits
// in front of a real livekit-server and records what the API asks of it; egress webhooks are
// signed as livekit-server signs them.

let livekit: RunningLivekitServer;
let egress: FakeEgress;
beforeAll(async () => {
  livekit = await startTestLivekit();
  egress = await startFakeEgress(livekit.url.replace(/^ws/, 'http'));
});
afterAll(async () => {
  await egress?.close();
  await livekit?.stop();
});

describe.each(dbKinds)('broadcasts through LiveKit Egress against %s', (kind) => {
  let api: TestApi;
  let owner: SignedUp;
  const secrets = testSecrets();
  const answers: string[] = [];

  const call = async (path: string, opts: SendOptions = {}) => {
    const res = await send(api.url, path, opts);
    answers.push(res.text);
    return res;
  };

  /** An egress webhook as livekit-server posts it: protobuf JSON, signed by the API key. */
  async function egressWebhook(
    name: 'egress_started' | 'egress_updated' | 'egress_ended',
    info: { egressId: string; roomName: string; status: EgressStatus; error?: string },
  ) {
    const e = new WebhookEvent({
      id: `EV_${randomUUID()}`,
      createdAt: BigInt(Math.floor(Date.now() / 1000)),
      egressInfo: new EgressInfo(info),
    });
    e.event = name;
    const body = e.toJsonString();
    const token = new AccessToken(livekit.apiKey, livekit.apiSecret, { ttl: '1m' });
    token.sha256 = createHash('sha256').update(body).digest('base64');
    const res = await call('/api/livekit/webhook', {
      body,
      headers: { 'content-type': 'application/webhook+json', authorization: await token.toJwt() },
    });
    expect(res.status, res.text).toBe(200);
    return res.body as { handled: boolean };
  }

  const create = async () => {
    const res = await call('/api/broadcasts', {
      headers: owner.headers,
      body: {
        title: 'On air through egress',
        characterIds: ['test-ada', 'test-bob'],
        twitch: {
          channel: 'troupe_test',
          streamKey: secrets.twitchKey,
          ingestUrl: 'rtmp://fra05.contribute.live-video.net/app/',
          chatOAuthToken: secrets.chatToken,
        },
        destinations: [
          { name: 'YouTube', url: 'rtmp://a.rtmp.youtube.com/live2', streamKey: secrets.youtubeKey },
          { name: 'Own server', url: 'rtmps://ingest.example.test/app/fixed' },
        ],
        video: { width: 1280, height: 720, fps: 30 },
      },
    });
    expect(res.status, res.text).toBe(201);
    return Broadcast.parse(res.body);
  };
  const start = async (id: string) => {
    const res = await call(`/api/broadcasts/${id}/start`, { method: 'POST', headers: owner.headers });
    expect(res.status, res.text).toBe(200);
    return StartBroadcastResponse.parse(res.body);
  };
  const get = async (id: string) =>
    Broadcast.parse((await call(`/api/broadcasts/${id}`, { headers: owner.headers })).body);

  beforeAll(async () => {
    api = await startTestApi(kind, {
      // The API reaches livekit-server through the fake egress service in front of it.
      ...livekitEnv({ ...livekit, url: egress.url }),
      LIVEKIT_PUBLIC_URL: 'wss://media.example.test',
      LIVEKIT_EGRESS_ENABLED: 'true',
      PUBLIC_WEB_URL: 'https://troupe.example.test',
    });
    owner = await signUp(api.url);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('when a broadcast starts, then one room composite of the stage page goes to Twitch and every destination, and webhooks bring it live', async () => {
    const created = await create();
    const before = egress.calls.length;
    const started = await start(created.id);
    expect(started.broadcast).toMatchObject({ status: 'starting', outputUsed: 'egress' });
    expect(started.broadcast.egressId).toMatch(/^EG_/);
    const room = started.host.roomName;

    const calls = egress.calls.slice(before);
    expect(calls.map((c) => c.method)).toEqual(['StartRoomCompositeEgress']);
    const request = calls[0]!.body as {
      roomName: string;
      layout: string;
      customBaseUrl: string;
      streamOutputs: { protocol: string; urls: string[] }[];
      advanced: { width: number; height: number; framerate: number };
    };
    expect(request.roomName).toBe(room);
    expect(request.layout).toBe('speaker');
    expect(request.streamOutputs).toEqual([
      {
        protocol: 'RTMP',
        urls: [
          `rtmp://fra05.contribute.live-video.net/app/${secrets.twitchKey}`,
          `rtmp://a.rtmp.youtube.com/live2/${secrets.youtubeKey}`,
          'rtmps://ingest.example.test/app/fixed',
        ],
      },
    ]);
    expect(request.advanced).toMatchObject({ width: 1280, height: 720, framerate: 30 });
    // The template: the web client's stage page, with a token that can only watch.
    const template = new URL(request.customBaseUrl);
    expect(`${template.origin}${template.pathname}`).toBe('https://troupe.example.test/');
    const [route, query = ''] = template.hash.split('?');
    expect(route).toBe(`#/stage/${created.id}`);
    expect(new URLSearchParams(query).get('url')).toBe('wss://media.example.test');
    const claims = await new TokenVerifier(livekit.apiKey, livekit.apiSecret).verify(
      new URLSearchParams(query).get('token')!,
    );
    expect(claims.video).toMatchObject({ room, canSubscribe: true, canPublish: false, hidden: true });
    // The Egress API was called with the server's credentials, not a browser's.
    const auth = await new TokenVerifier(livekit.apiKey, livekit.apiSecret).verify(
      calls[0]!.authorization!.replace(/^Bearer /, ''),
    );
    expect(auth.video).toMatchObject({ roomRecord: true });

    const egressId = started.broadcast.egressId!;
    await egressWebhook('egress_started', { egressId, roomName: room, status: EgressStatus.EGRESS_STARTING });
    expect((await get(created.id)).status).toBe('starting');
    expect(
      await egressWebhook('egress_updated', { egressId, roomName: room, status: EgressStatus.EGRESS_ACTIVE }),
    ).toMatchObject({ handled: true });
    const live = await get(created.id);
    expect(live.status).toBe('live');
    expect(live.startedAt).not.toBeNull();

    // Stop: StopEgress for that egress, the session ends, and egress_ended changes nothing more.
    const stopped = await call(`/api/broadcasts/${created.id}/stop`, {
      method: 'POST',
      headers: owner.headers,
    });
    expect(stopped.status, stopped.text).toBe(200);
    expect(Broadcast.parse(stopped.body).status).toBe('ended');
    expect(egress.calls.slice(before).map((c) => c.method)).toEqual([
      'StartRoomCompositeEgress',
      'StopEgress',
    ]);
    expect(egress.calls.at(-1)!.body).toEqual({ egressId });
    await egressWebhook('egress_ended', { egressId, roomName: room, status: EgressStatus.EGRESS_COMPLETE });
    expect((await get(created.id)).status).toBe('ended');
    const session = SessionDetail.parse(
      (await call(`/api/sessions/${started.broadcast.sessionId}`, { headers: owner.headers })).body,
    );
    expect(session.status).toBe('ended');
  });

  it('when the egress fails on air, then the broadcast is failed with its reason and the session ends', async () => {
    const created = await create();
    const started = await start(created.id);
    const egressId = started.broadcast.egressId!;
    const room = started.host.roomName;
    await egressWebhook('egress_updated', { egressId, roomName: room, status: EgressStatus.EGRESS_ACTIVE });
    await egressWebhook('egress_ended', {
      egressId,
      roomName: room,
      status: EgressStatus.EGRESS_FAILED,
      error: 'rtmp connection refused',
    });
    expect(await get(created.id)).toMatchObject({ status: 'failed', lastError: 'rtmp connection refused' });
    const session = SessionDetail.parse(
      (await call(`/api/sessions/${started.broadcast.sessionId}`, { headers: owner.headers })).body,
    );
    expect(session.status).toBe('ended');
  });

  it('when the egress service refuses to start, then start answers 503 and the broadcast is failed with the reason', async () => {
    const created = await create();
    egress.failNextStart('unavailable', 'no egress instances available');
    const res = await call(`/api/broadcasts/${created.id}/start`, { method: 'POST', headers: owner.headers });
    expect(res.status, res.text).toBe(503);
    expect(ErrorBody.parse(res.body).error.code).toBe('upstream_unavailable');
    const failed = await get(created.id);
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toContain('no egress instances available');
  });

  it('when an egress webhook names an egress no broadcast has, then it is acknowledged and ignored', async () => {
    expect(
      await egressWebhook('egress_updated', {
        egressId: 'EG_unknown',
        roomName: 'someone-elses-room',
        status: EgressStatus.EGRESS_ACTIVE,
      }),
    ).toEqual({ handled: false });
  });

  it('when everything above has run, then no key appears in any answer, log line or stored value in clear', async () => {
    const logs = api.logs.lines.join('\n');
    // No BROADCAST_SECRET_KEY here: the API said once that production should set one.
    expect(api.logs.records.filter((r) => String(r.msg).includes('set BROADCAST_SECRET_KEY'))).toHaveLength(
      1,
    );
    const stored = (await dumpTextColumns(api.db.db)).join('\n');
    for (const secret of Object.values(secrets)) {
      expect(logs, 'logs').not.toContain(secret);
      expect(stored, 'database').not.toContain(secret);
      expect(answers.join('\n'), 'answers').not.toContain(secret);
    }
  });
});
