import { randomUUID } from 'node:crypto';
import { Room } from '@livekit/rtc-node';
import { eq } from 'drizzle-orm';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSession, startTestApi, startTestLivekit, type TestApi } from '../api/testing.ts';
import { sessionParticipants, sessions, users } from '../db/schema.ts';
import { freeTcpPort, type RunningLivekitServer } from '../scripts/livekit-server.ts';
import { eventually } from './support/stack.ts';
import { teardown } from './support/teardown.ts';

// LiveKit's webhooks end to end: a real livekit-server configured to post its room events to the
// API, and a participant made of @livekit/rtc-node who joins a session's room and leaves.

let livekit: RunningLivekitServer;
let api: TestApi;

beforeAll(async () => {
  // The webhook URL is part of livekit-server's config, so the API's port is chosen first.
  const apiPort = await freeTcpPort();
  livekit = await startTestLivekit({ webhookUrls: [`http://127.0.0.1:${apiPort}/api/livekit/webhook`] });
  api = await startTestApi('postgres', {
    PORT: String(apiPort),
    LIVEKIT_URL: livekit.url,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
  });
});

afterAll(() => teardown(api, livekit));

/** A session owned by a fresh account, written directly so no sign-in is needed. */
async function newSession(): Promise<{ id: string; room: string }> {
  const [owner] = await api.db.db
    .insert(users)
    .values({ email: `webhook-e2e-${randomUUID()}@example.test`, passwordHash: 'not-used-here' })
    .returning({ id: users.id });
  return insertSession(api.db.db, owner!.id, 'caller-e2e');
}

async function session(id: string) {
  const [row] = await api.db.db.select().from(sessions).where(eq(sessions.id, id));
  if (!row) throw new Error(`session ${id} is gone`);
  return row;
}

async function peopleInRooms(): Promise<number> {
  const text = await (await fetch(`${api.url}/metrics`)).text();
  return Number(/^troupe_room_participants (\d+)$/m.exec(text)?.[1]);
}

describe('LiveKit webhooks from a real livekit-server', () => {
  it('when a caller joins a session room and leaves, then LiveKit’s events make the session active, then ended with its duration', async () => {
    const s = await newSession();
    // A short departure timeout, so the room closes (and room_finished is sent) a second after the caller leaves.
    const rooms = new RoomServiceClient(livekit.url, livekit.apiKey, livekit.apiSecret);
    await rooms.createRoom({ name: s.room, emptyTimeout: 10, departureTimeout: 1 });
    const active = await eventually(
      () => session(s.id),
      (row) => row.status === 'active',
      { what: 'room_started to make the session active', timeoutMs: 15_000 },
    );
    expect(active.startedAt).toBeInstanceOf(Date);

    const token = new AccessToken(livekit.apiKey, livekit.apiSecret, {
      identity: 'caller-e2e',
      name: 'Caller',
    });
    token.addGrant({ roomJoin: true, room: s.room, canPublish: true, canSubscribe: true });
    const caller = new Room();
    await caller.connect(livekit.url, await token.toJwt(), { autoSubscribe: false, dynacast: false });
    await eventually(peopleInRooms, (n) => n === 1, {
      what: 'participant_joined to be tracked',
      timeoutMs: 15_000,
    });
    const joinedAt = Date.now();

    await caller.disconnect();
    const leftAt = Date.now();
    await eventually(peopleInRooms, (n) => n === 0, {
      what: 'participant_left to be tracked',
      timeoutMs: 15_000,
    });
    const ended = await eventually(
      () => session(s.id),
      (row) => row.status === 'ended',
      { what: 'room_finished to end the session', timeoutMs: 20_000 },
    );
    expect(ended.endedAt!.getTime()).toBeGreaterThan(ended.startedAt!.getTime());
    // The call lasted at least as long as the caller was in it.
    expect(ended.durationMs).toBeGreaterThanOrEqual(leftAt - joinedAt);
    // The database keeps microseconds, Date milliseconds: the two may differ by rounding.
    expect(
      Math.abs(ended.durationMs! - (ended.endedAt!.getTime() - ended.startedAt!.getTime())),
    ).toBeLessThanOrEqual(1);
    // Who was in the room is kept: the caller, with a join before the leave.
    const people = await api.db.db
      .select()
      .from(sessionParticipants)
      .where(eq(sessionParticipants.sessionId, s.id));
    expect(people).toEqual([
      expect.objectContaining({ identity: 'caller-e2e', name: 'Caller', kind: 'STANDARD' }),
    ]);
    expect(people[0]!.leftAt!.getTime()).toBeGreaterThanOrEqual(people[0]!.joinedAt.getTime());
    const lines = api.logs.records.filter((r) => r.sessionId === s.id).map((r) => r.msg);
    expect(lines).toEqual(
      expect.arrayContaining([
        'room started',
        'participant joined',
        'participant left',
        'session ended: room finished',
      ]),
    );
  });
});
