import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { RoomServiceClient, TokenVerifier } from 'livekit-server-sdk';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSeeded, dbKinds, testCharacters } from '../db/testing.ts';
import {
  AGENT_NAME,
  CreateSessionResponse,
  DispatchMetadata,
  SessionDetail,
  Turn,
  emptyTurnMetrics,
  type ProviderInfo,
} from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { createApp } from './app.ts';
import { dispatchedCharacter } from './services/sessions.ts';
import {
  LogCapture,
  findLivekitPorts,
  send,
  startTestApi,
  livekitEnv,
  useTestLivekit,
  type TestApi,
} from './testing.ts';

const providers: ProviderInfo = {
  stt: 'pocketsphinx',
  llm: 'offline-persona',
  tts: 'espeak-ng',
  offline: true,
};

function turn(overrides: Partial<Turn> = {}): Turn {
  return {
    id: randomUUID(),
    role: 'user',
    speaker: 'caller-abc',
    speakerName: 'Caller',
    text: 'hello there',
    heardText: 'hello there',
    interrupted: false,
    startedAt: '2030-01-01T12:00:00.000Z',
    endedAt: '2030-01-01T12:00:01.500Z',
    metrics: { ...emptyTurnMetrics },
    source: 'voice',
    ...overrides,
  };
}

const livekit = useTestLivekit();

describe.each(dbKinds)('sessions against %s', (kind) => {
  let api: TestApi;
  let caller: SignedUp;
  const agentAuth = () => ({ authorization: `Bearer ${agentApiToken(api.config.livekitApiSecret)}` });
  const rooms = () => new RoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret);

  beforeAll(async () => {
    api = await startTestApi(kind, {
      ...livekitEnv(livekit),
      LIVEKIT_PUBLIC_URL: 'wss://media.example.test',
      ROOM_TOKEN_TTL: '30m',
    });
    caller = await signUp(api.url);
  });
  afterAll(async () => {
    await api?.stop();
  });

  async function createSession(body: Record<string, unknown> = {}): Promise<CreateSessionResponse> {
    const res = await send(api.url, '/api/sessions', {
      body: { mode: 'call', characterId: 'test-ada', ...body },
      headers: caller.headers,
    });
    expect(res.status, res.text).toBe(201);
    return CreateSessionResponse.parse(res.body);
  }

  async function getSession(id: string): Promise<SessionDetail> {
    const res = await send(api.url, `/api/sessions/${id}`, { headers: caller.headers });
    expect(res.status, res.text).toBe(200);
    return SessionDetail.parse(res.body);
  }

  const reportStatus = (id: string) =>
    send(api.url, `/api/internal/sessions/${id}/status`, {
      body: { status: 'active', providers },
      headers: agentAuth(),
    });
  const reportTurn = (id: string, t: Turn) =>
    send(api.url, `/api/internal/sessions/${id}/turns`, { body: t, headers: agentAuth() });

  it('when a caller creates a session, then it gets the public LiveKit URL, its own room and the character', async () => {
    const created = await createSession({ displayName: 'Grace' });
    expect(created.url).toBe('wss://media.example.test');
    expect(created.roomName).toBe(`call-${created.sessionId}`);
    expect(created.identity).toMatch(/^caller-[0-9a-f]{10}$/);
    expect(created.character).toEqual(asSeeded(testCharacters[0]!));
    const detail = await getSession(created.sessionId);
    expect(detail).toMatchObject({
      id: created.sessionId,
      mode: 'call',
      roomName: created.roomName,
      characterId: 'test-ada',
      ownerId: caller.user.id,
      callerIdentity: created.identity,
      status: 'created',
      providers: null,
      startedAt: null,
      endedAt: null,
      durationMs: null,
      transcript: [],
    });
  });

  it('when the token is verified, then it joins that room as the caller and dispatches the agent with the session', async () => {
    const created = await createSession({ displayName: 'Grace' });
    const claims = await new TokenVerifier(livekit.apiKey, livekit.apiSecret).verify(created.token);
    expect(claims.sub).toBe(created.identity);
    expect(claims.name).toBe('Grace');
    expect(claims.video).toMatchObject({
      roomJoin: true,
      room: created.roomName,
      canPublish: true,
      canSubscribe: true,
      canPublishData: true,
    });
    const ttlS = (claims.exp ?? 0) - (claims.nbf as number);
    expect(ttlS).toBe(30 * 60);
    const agents = (claims.roomConfig as unknown as { agents: { agentName: string; metadata: string }[] })
      .agents;
    expect(agents).toHaveLength(1);
    expect(agents[0]?.agentName).toBe(AGENT_NAME);
    const metadata = DispatchMetadata.parse(JSON.parse(agents[0]?.metadata ?? ''));
    expect(metadata).toEqual({
      sessionId: created.sessionId,
      mode: 'call',
      character: dispatchedCharacter(asSeeded(testCharacters[0]!)),
      callerIdentity: created.identity,
      callerName: 'Grace',
      // The first call between this person and character: nothing remembered yet.
      memories: [],
    });
  });

  it('when characterIds is given and no displayName, then the session is created for that character and the caller is named Caller', async () => {
    const created = await createSession({ characterId: undefined, characterIds: ['test-bob'] });
    expect(created.character.id).toBe('test-bob');
    const claims = await new TokenVerifier(livekit.apiKey, livekit.apiSecret).verify(created.token);
    expect(claims.name).toBe('Caller');
  });

  it('when the agent reports its status twice, then the session is active with its providers and the first startedAt', async () => {
    const { sessionId } = await createSession();
    expect((await reportStatus(sessionId)).status).toBe(204);
    const first = await getSession(sessionId);
    expect(first).toMatchObject({ status: 'active', providers });
    expect(first.startedAt).not.toBeNull();
    expect((await reportStatus(sessionId)).status).toBe(204);
    expect((await getSession(sessionId)).startedAt).toBe(first.startedAt);
  });

  it('when the agent reports a turn twice, then it is 201 then 200 and the transcript holds it once with its metrics', async () => {
    const { sessionId } = await createSession();
    const reported = turn({
      role: 'assistant',
      speaker: 'test-ada',
      speakerName: 'Ada Test',
      text: 'A long answer that was cut off',
      heardText: 'A long answer',
      interrupted: true,
      metrics: {
        eouDelayMs: 512.25,
        sttDelayMs: null,
        llmTtftMs: 301.5,
        ttsTtfbMs: 88,
        voiceToVoiceMs: 940.125,
        handoverGapMs: null,
      },
    });
    const first = await reportTurn(sessionId, reported);
    expect(first.status).toBe(201);
    expect(Turn.parse(first.body)).toEqual(reported);
    const repeat = await reportTurn(sessionId, { ...reported, text: 'changed on retry' });
    expect(repeat.status).toBe(200);
    expect(Turn.parse(repeat.body)).toEqual(reported);
    expect((await getSession(sessionId)).transcript).toEqual([reported]);
  });

  it('when turns arrive out of order, then the transcript is ordered by startedAt', async () => {
    const { sessionId } = await createSession();
    const later = turn({ startedAt: '2030-01-01T12:00:05.000Z', endedAt: '2030-01-01T12:00:06.000Z' });
    const earlier = turn({ startedAt: '2030-01-01T12:00:01.000Z', endedAt: '2030-01-01T12:00:02.000Z' });
    expect((await reportTurn(sessionId, later)).status).toBe(201);
    expect((await reportTurn(sessionId, earlier)).status).toBe(201);
    expect((await getSession(sessionId)).transcript.map((t) => t.id)).toEqual([earlier.id, later.id]);
  });

  it('when a turn id already belongs to another session, then it is 409 and neither transcript changes', async () => {
    const a = await createSession();
    const b = await createSession();
    const t = turn();
    expect((await reportTurn(a.sessionId, t)).status).toBe(201);
    const res = await reportTurn(b.sessionId, t);
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: 'conflict' } });
    expect((await getSession(a.sessionId)).transcript).toHaveLength(1);
    expect((await getSession(b.sessionId)).transcript).toHaveLength(0);
  });

  it('when a session whose room exists is ended, then the room is deleted and the session records its duration', async () => {
    const { sessionId, roomName } = await createSession();
    await rooms().createRoom({ name: roomName });
    expect((await rooms().listRooms([roomName])).map((r) => r.name)).toEqual([roomName]);
    expect((await reportStatus(sessionId)).status).toBe(204);
    const res = await send(api.url, `/api/sessions/${sessionId}/end`, {
      method: 'POST',
      headers: caller.headers,
    });
    expect(res.status, res.text).toBe(200);
    const ended = SessionDetail.parse(res.body);
    expect(ended.status).toBe('ended');
    const expected = Date.parse(ended.endedAt!) - Date.parse(ended.startedAt!);
    expect(Math.abs(ended.durationMs! - expected)).toBeLessThanOrEqual(1);
    expect(await rooms().listRooms([roomName])).toEqual([]);
  });

  it('when a session is ended twice, then both calls return the same record with the first endedAt', async () => {
    const { sessionId } = await createSession();
    const first = await send(api.url, `/api/sessions/${sessionId}/end`, {
      method: 'POST',
      headers: caller.headers,
    });
    const second = await send(api.url, `/api/sessions/${sessionId}/end`, {
      method: 'POST',
      body: {},
      headers: caller.headers,
    });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    // The room never existed: that is not a failure worth a warning.
    const closes = api.logs.records.filter((r) => r.sessionId === sessionId && r.msg === 'room closed');
    expect(closes.map((r) => r.outcome)).toEqual(['not_found', 'not_found']);
  });

  it('when a session that never started is ended, then its duration counts from its creation', async () => {
    const { sessionId } = await createSession();
    const ended = SessionDetail.parse(
      (await send(api.url, `/api/sessions/${sessionId}/end`, { method: 'POST', headers: caller.headers }))
        .body,
    );
    expect(ended.startedAt).toBeNull();
    const expected = Date.parse(ended.endedAt!) - Date.parse(ended.createdAt);
    expect(Math.abs(ended.durationMs! - expected)).toBeLessThanOrEqual(1);
  });

  it('when the agent reports after the session ended, then the session stays ended and late turns are kept', async () => {
    const { sessionId } = await createSession();
    await send(api.url, `/api/sessions/${sessionId}/end`, { method: 'POST', headers: caller.headers });
    expect((await reportStatus(sessionId)).status).toBe(204);
    expect((await reportTurn(sessionId, turn())).status).toBe(201);
    const detail = await getSession(sessionId);
    expect(detail).toMatchObject({ status: 'ended', providers, startedAt: null });
    expect(detail.transcript).toHaveLength(1);
  });

  it('when LiveKit is unreachable, then ending still succeeds and a warning is logged', async () => {
    const deadPort = await findLivekitPorts();
    const logs = new LogCapture();
    const app = createApp({
      db: api.db,
      config: { ...api.config, livekitUrl: `ws://127.0.0.1:${deadPort}` },
      logger: pino({ level: 'debug' }, logs.stream),
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { sessionId } = await createSession();
      const res = await send(url, `/api/sessions/${sessionId}/end`, {
        method: 'POST',
        headers: caller.headers,
      });
      expect(res.status, res.text).toBe(200);
      expect(SessionDetail.parse(res.body).status).toBe('ended');
      const warning = logs.records.find((r) => r.msg === 'could not close room; the session is ended anyway');
      expect(warning).toMatchObject({ level: 40, sessionId });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('when calls and turns went through, then no token or secret was logged and transcript text only under pii', async () => {
    const created = await createSession({ displayName: 'Secretive Sam' });
    const spoken = `unique words ${randomUUID()}`;
    expect((await reportTurn(created.sessionId, turn({ text: spoken, heardText: spoken }))).status).toBe(201);
    const secrets = [
      created.token,
      agentApiToken(livekit.apiSecret),
      livekit.apiSecret,
      caller.token,
      caller.password,
      api.config.authSecret,
    ];
    for (const line of api.logs.lines) for (const secret of secrets) expect(line).not.toContain(secret);
    const placesOf = (value: unknown, path: string[] = []): string[][] => {
      if (typeof value === 'string') return value.includes(spoken) || value === 'Secretive Sam' ? [path] : [];
      if (!value || typeof value !== 'object') return [];
      return Object.entries(value).flatMap(([k, v]) => placesOf(v, [...path, k]));
    };
    const places = api.logs.records.flatMap((r) => placesOf(r));
    expect(places.length).toBeGreaterThan(0);
    for (const place of places) expect(place[0]).toBe('pii');
  });
});
