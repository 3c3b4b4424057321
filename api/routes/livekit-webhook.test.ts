import { createHash, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { AccessToken, ParticipantInfo, Room, WebhookEvent, type WebhookEventNames } from 'livekit-server-sdk';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionParticipants, sessions, users } from '../../db/schema.ts';
import { dbKinds } from '../../db/testing.ts';
import { ErrorBody, SessionDetail } from '../../protocol/index.ts';
import { LivekitWebhookAck } from '../../protocol/webhooks.ts';
import { CharacterRepository } from '../services/characters.ts';
import { LivekitService } from '../services/livekit.ts';
import { MemoryService } from '../services/memories.ts';
import { SessionService } from '../services/sessions.ts';
import { insertSession, send, startTestApi, type TestApi } from '../testing.ts';

const API_KEY = 'webhook-test-key';
const API_SECRET = `webhook-test-secret-${randomUUID()}`;
// ParticipantInfo.Kind.AGENT in LiveKit's protocol; the SDK does not export the enum.
const AGENT_KIND = 4;

/** The Authorization header livekit-server sends: a JWT from the key whose sha256 claim is the body's. */
async function signature(body: string, key = API_KEY, secret = API_SECRET): Promise<string> {
  const token = new AccessToken(key, secret, { ttl: '1m' });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

/** An event as livekit-server serialises it (protobuf JSON), made with the SDK's own classes. */
function event(
  name: WebhookEventNames,
  room: string,
  participant?: { identity: string; kind?: number; name?: string },
): string {
  const e = new WebhookEvent({
    id: `EV_${randomUUID()}`,
    createdAt: BigInt(Math.floor(Date.now() / 1000)),
    room: new Room({ sid: 'RM_test', name: room }),
    ...(participant
      ? {
          participant: new ParticipantInfo({
            sid: 'PA_test',
            identity: participant.identity,
            kind: participant.kind,
            name: participant.name,
          }),
        }
      : {}),
  });
  // The SDK's WebhookEvent constructor resets `event` after its parent has set it.
  e.event = name;
  return e.toJsonString();
}

describe.each(dbKinds)('LiveKit webhooks against %s', (kind) => {
  let api: TestApi;
  let ownerId: string;

  beforeAll(async () => {
    api = await startTestApi(kind, {
      LIVEKIT_API_KEY: API_KEY,
      LIVEKIT_API_SECRET: API_SECRET,
      // Nothing listens on port 9: ending a session must not depend on LiveKit answering.
      LIVEKIT_URL: 'ws://127.0.0.1:9',
    });
    const [owner] = await api.db.db
      .insert(users)
      .values({ email: 'webhook-owner@example.test', passwordHash: 'not-used-here' })
      .returning({ id: users.id });
    ownerId = owner!.id;
  });
  afterAll(async () => {
    await api?.stop();
  });

  const newSession = () => insertSession(api.db.db, ownerId);
  /** A SessionService on the app's database; nothing listens at its LiveKit URL. */
  const sessionService = () =>
    new SessionService({
      db: api.db.db,
      characters: new CharacterRepository(api.db.db),
      livekit: new LivekitService({ url: 'ws://127.0.0.1:9', apiKey: API_KEY, apiSecret: API_SECRET }),
      memories: new MemoryService(api.db.db),
      livekitPublicUrl: 'ws://127.0.0.1:9',
    });

  async function stored(id: string) {
    const [row] = await api.db.db.select().from(sessions).where(eq(sessions.id, id));
    if (!row) throw new Error(`session ${id} is gone`);
    return row;
  }

  async function deliver(body: string, headers: Record<string, string> = {}) {
    const authorization = await signature(body);
    return send(api.url, '/api/livekit/webhook', {
      body,
      headers: { 'content-type': 'application/webhook+json', authorization, ...headers },
    });
  }

  async function participantsGauge(): Promise<number> {
    const text = (await send(api.url, '/metrics')).text;
    return Number(/^troupe_room_participants (\d+)$/m.exec(text)?.[1]);
  }

  it('when a signed room_started arrives, then the session becomes active with a start time', async () => {
    const s = await newSession();
    const res = await deliver(event('room_started', s.room));
    expect(res.status, res.text).toBe(200);
    expect(LivekitWebhookAck.parse(res.body)).toEqual({ handled: true, sessionId: s.id });
    const row = await stored(s.id);
    expect(row.status).toBe('active');
    expect(row.startedAt).toBeInstanceOf(Date);
  });

  it('when room_started is delivered twice, then the first start time stands', async () => {
    const s = await newSession();
    await deliver(event('room_started', s.room));
    const first = (await stored(s.id)).startedAt;
    await deliver(event('room_started', s.room));
    expect((await stored(s.id)).startedAt).toEqual(first);
  });

  it('when a signed room_finished arrives, then the session is ended with its duration', async () => {
    const s = await newSession();
    await deliver(event('room_started', s.room));
    const res = await deliver(event('room_finished', s.room));
    expect(res.status, res.text).toBe(200);
    const row = await stored(s.id);
    expect(row.status).toBe('ended');
    expect(row.endedAt!.getTime()).toBeGreaterThanOrEqual(row.startedAt!.getTime());
    // The database keeps microseconds, Date milliseconds: the two may differ by rounding.
    const elapsedMs = row.endedAt!.getTime() - row.startedAt!.getTime();
    expect(Math.abs(row.durationMs! - elapsedMs)).toBeLessThanOrEqual(1);
  });

  it('when the session was ended through the API first, then room_finished keeps that end', async () => {
    const s = await newSession();
    await deliver(event('room_started', s.room));
    const service = sessionService();
    await service.end(s.id, pino({ level: 'silent' }));
    const ended = await stored(s.id);
    await deliver(event('room_finished', s.room));
    const after = await stored(s.id);
    expect(after.endedAt).toEqual(ended.endedAt);
    expect(after.durationMs).toBe(ended.durationMs);
  });

  it('when room_finished is delivered twice, or room_started arrives after it, then the session stays as first ended', async () => {
    const s = await newSession();
    await deliver(event('room_started', s.room));
    await deliver(event('room_finished', s.room));
    const ended = await stored(s.id);
    await deliver(event('room_finished', s.room));
    await deliver(event('room_started', s.room));
    expect(await stored(s.id)).toEqual(ended);
  });

  async function participantRows(sessionId: string) {
    const rows = await api.db.db
      .select()
      .from(sessionParticipants)
      .where(eq(sessionParticipants.sessionId, sessionId));
    return new Map(rows.map((r) => [r.identity, r]));
  }

  it('when people join and leave, then they are counted, agents are not, and a finished room holds nobody', async () => {
    const s = await newSession();
    const before = await participantsGauge();
    await deliver(event('room_started', s.room));
    const joined = await deliver(event('participant_joined', s.room, { identity: 'caller-test' }));
    expect(joined.body).toEqual({ handled: true, sessionId: s.id });
    await deliver(event('participant_joined', s.room, { identity: 'caller-test' }));
    const agent = await deliver(
      event('participant_joined', s.room, { identity: 'agent-1', kind: AGENT_KIND }),
    );
    expect(agent.body).toEqual({ handled: true, sessionId: s.id });
    await deliver(event('participant_joined', s.room, { identity: 'friend' }));
    expect(await participantsGauge()).toBe(before + 2);
    await deliver(event('participant_left', s.room, { identity: 'friend' }));
    expect(await participantsGauge()).toBe(before + 1);
    await deliver(event('room_finished', s.room));
    expect(await participantsGauge()).toBe(before);
  });

  it('when people and the agent join and leave, then session_participants keeps one row each with the first join and the last leave', async () => {
    const s = await newSession();
    await deliver(event('room_started', s.room));
    await deliver(event('participant_joined', s.room, { identity: 'caller-test', name: 'Ada' }));
    await deliver(event('participant_joined', s.room, { identity: 'agent-1', kind: AGENT_KIND }));
    await deliver(event('participant_joined', s.room, { identity: 'friend', name: 'Friend' }));
    const first = await participantRows(s.id);
    expect([...first.keys()].sort()).toEqual(['agent-1', 'caller-test', 'friend']);
    expect(first.get('caller-test')).toMatchObject({ name: 'Ada', kind: 'STANDARD', leftAt: null });
    expect(first.get('agent-1')).toMatchObject({ kind: 'AGENT', leftAt: null });

    // A repeated join keeps the first joined_at.
    await deliver(event('participant_joined', s.room, { identity: 'caller-test', name: 'Ada' }));
    expect((await participantRows(s.id)).get('caller-test')!.joinedAt).toEqual(
      first.get('caller-test')!.joinedAt,
    );

    // A leave sets left_at once; a rejoin clears it and keeps the first joined_at.
    await deliver(event('participant_left', s.room, { identity: 'friend', name: 'Friend' }));
    const left = (await participantRows(s.id)).get('friend')!;
    expect(left.leftAt).toBeInstanceOf(Date);
    await deliver(event('participant_left', s.room, { identity: 'friend', name: 'Friend' }));
    expect((await participantRows(s.id)).get('friend')!.leftAt).toEqual(left.leftAt);
    await deliver(event('participant_joined', s.room, { identity: 'friend', name: 'Friend' }));
    const back = (await participantRows(s.id)).get('friend')!;
    expect(back.leftAt).toBeNull();
    expect(back.joinedAt).toEqual(first.get('friend')!.joinedAt);

    // The room finishing lets everyone still present leave.
    await deliver(event('room_finished', s.room));
    const end = await participantRows(s.id);
    for (const row of end.values()) {
      expect(row.leftAt, row.identity).toBeInstanceOf(Date);
      expect(row.leftAt!.getTime()).toBeGreaterThanOrEqual(row.joinedAt.getTime());
    }

    // A join delivered after the end changes nothing.
    const late = await deliver(event('participant_joined', s.room, { identity: 'late' }));
    expect(late.body).toEqual({ handled: false, sessionId: s.id });
    expect((await participantRows(s.id)).has('late')).toBe(false);
  });

  it('when the session is read, then its detail lists who was in the room', async () => {
    const s = await newSession();
    await deliver(event('participant_joined', s.room, { identity: 'caller-test', name: 'Ada' }));
    await deliver(event('participant_joined', s.room, { identity: 'agent-1', kind: AGENT_KIND }));
    await deliver(event('participant_left', s.room, { identity: 'agent-1', kind: AGENT_KIND }));
    const service = sessionService();
    const detail = SessionDetail.parse(await service.get(s.id));
    expect(detail.participants).toEqual([
      { identity: 'caller-test', name: 'Ada', kind: 'STANDARD', joinedAt: expect.any(String), leftAt: null },
      {
        identity: 'agent-1',
        name: '',
        kind: 'AGENT',
        joinedAt: expect.any(String),
        leftAt: expect.any(String),
      },
    ]);
  });

  it("when the room is not a session's, then the event is acknowledged and ignored", async () => {
    for (const room of ['somebody-elses-room', `call-${randomUUID()}`]) {
      const res = await deliver(event('room_finished', room));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ handled: false });
    }
  });

  it('when an event Troupe does not use arrives, then it is acknowledged and changes nothing', async () => {
    const s = await newSession();
    const res = await deliver(event('track_published', s.room, { identity: 'caller-test' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ handled: false, sessionId: s.id });
    expect((await stored(s.id)).status).toBe('created');
  });

  type Forgery = (body: string) => Promise<{ auth?: string; body?: string }>;
  it.each<[string, Forgery]>([
    ['no Authorization header', async (body: string) => ({ body })],
    [
      'a token signed with another secret',
      async (body: string) => ({ auth: await signature(body, API_KEY, 'forged') }),
    ],
    ['a token issued by another key', async (body: string) => ({ auth: await signature(body, 'other-key') })],
    [
      'a body changed after signing',
      async (body: string) => ({
        auth: await signature(body),
        body: body.replace('room_finished', 'room_started'),
      }),
    ],
    ['an Authorization header that is not a JWT', async (body: string) => ({ auth: 'not-a-jwt', body })],
  ])(
    'when an event comes with %s, then it is refused with 401 and the session is unchanged',
    async (_what, forge) => {
      const s = await newSession();
      const body = event('room_finished', s.room);
      const forged = await forge(body);
      const res = await send(api.url, '/api/livekit/webhook', {
        body: forged.body ?? body,
        headers: {
          'content-type': 'application/webhook+json',
          ...(forged.auth === undefined ? {} : { authorization: forged.auth }),
        },
      });
      expect(res.status).toBe(401);
      expect(ErrorBody.parse(res.body).error.code).toBe('unauthorized');
      expect((await stored(s.id)).status).toBe('created');
    },
  );

  it('when a correctly signed body is not a LiveKit event, then it is a 400 in the error shape', async () => {
    for (const body of ['not json', JSON.stringify({ room: { name: 'x' } })]) {
      const res = await deliver(body);
      expect(res.status, body).toBe(400);
      expect(ErrorBody.parse(res.body).error.code).toMatch(/bad_request|validation_failed/);
    }
  });

  it('when a handler logs, then the line carries the request id', async () => {
    const s = await newSession();
    await deliver(event('room_started', s.room), { 'x-request-id': 'trace-webhook-7' });
    const lines = api.logs.records.filter(
      (r) => (r.req as { id?: string } | undefined)?.id === 'trace-webhook-7',
    );
    // 'room started' is logged by the sessions service, inside the route handler's call.
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['webhook received', 'room started']));
    expect(lines.find((l) => l.msg === 'room started')).toMatchObject({ sessionId: s.id, room: s.room });
  });
});
