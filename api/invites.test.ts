import { randomBytes } from 'node:crypto';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import {
  CreatedInvite,
  CreateSessionResponse,
  ErrorBody,
  InviteList,
  RoomAccess,
} from '../protocol/index.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { send, startTestApi, type TestApi } from './testing.ts';

// Invites on a fake clock: a guest joins with a code until it expires or is revoked or the session
// ends; after that every failure is the same 404, so a code tells nothing about why it stopped.

const HOUR_MS = 3_600_000;
const LIVEKIT_SECRET = `invite-test-secret-${randomBytes(12).toString('hex')}`;

describe.each(dbKinds)('invites against %s', (kind) => {
  let api: TestApi;
  let now = Date.now();
  let owner: SignedUp;
  let session: CreateSessionResponse;

  const invite = async (body: unknown = {}) => {
    const res = await send(api.url, `/api/sessions/${session.sessionId}/invites`, {
      body,
      headers: { ...owner.headers, origin: 'https://troupe.example.test' },
    });
    expect(res.status, res.text).toBe(201);
    return CreatedInvite.parse(res.body);
  };
  const join = (code: string, body: unknown = {}) => send(api.url, `/api/invites/${code}/join`, { body });
  const list = async () =>
    InviteList.parse(
      (await send(api.url, `/api/sessions/${session.sessionId}/invites`, { headers: owner.headers })).body,
    ).invites;
  const verify = (token: string) => new TokenVerifier('testkey', LIVEKIT_SECRET).verify(token);

  beforeAll(async () => {
    api = await startTestApi(
      kind,
      {
        LIVEKIT_URL: 'ws://127.0.0.1:9',
        LIVEKIT_PUBLIC_URL: 'wss://media.example.test',
        LIVEKIT_API_KEY: 'testkey',
        LIVEKIT_API_SECRET: LIVEKIT_SECRET,
      },
      { clock: () => now },
    );
    owner = await signUp(api.url);
  });
  beforeEach(async () => {
    const res = await send(api.url, '/api/sessions', {
      body: { mode: 'call', characterId: 'test-ada', displayName: 'Owner' },
      headers: owner.headers,
    });
    session = CreateSessionResponse.parse(res.body);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('when an invite is made without expiresInS, then it lasts an hour and links to the web client', async () => {
    const created = await invite();
    expect(Date.parse(created.expiresAt) - now).toBe(HOUR_MS);
    expect(created.code).toMatch(/^[\w-]{32}$/);
    expect(created.url).toBe(`https://troupe.example.test/#/join/${created.code}`);
  });

  it('when a guest joins with a valid code, then it gets a token for the room under a new identity, with no agent dispatch', async () => {
    const created = await invite({ expiresInS: 600 });
    const res = await join(created.code, { displayName: 'Grace' });
    expect(res.status, res.text).toBe(200);
    const access = RoomAccess.parse(res.body);
    expect(access).toMatchObject({
      sessionId: session.sessionId,
      roomName: session.roomName,
      url: 'wss://media.example.test',
    });
    expect(access.identity).toMatch(/^guest-[0-9a-f]{10}$/);
    const claims = await verify(access.token);
    expect(claims.sub).toBe(access.identity);
    expect(claims.name).toBe('Grace');
    expect(claims.video).toMatchObject({ roomJoin: true, room: session.roomName });
    expect(claims.roomConfig).toBeUndefined();
    const second = RoomAccess.parse((await join(created.code)).body);
    expect(second.identity).not.toBe(access.identity);
    expect((await verify(second.token)).name).toBe('Guest');
  });

  it('when the owner asks for a fresh token, then it is for the same identity and dispatches no second agent', async () => {
    const res = await send(api.url, `/api/sessions/${session.sessionId}/token`, {
      method: 'POST',
      headers: owner.headers,
    });
    expect(res.status, res.text).toBe(200);
    const access = RoomAccess.parse(res.body);
    expect(access.identity).toBe(session.identity);
    const claims = await verify(access.token);
    expect(claims).toMatchObject({ sub: session.identity, name: 'Owner' });
    expect(claims.roomConfig).toBeUndefined();
    // The token that created the session is the one that carries the dispatch.
    expect((await verify(session.token)).roomConfig).toBeDefined();
  });

  it('when an invite expires on the clock, then joining is 404 and the list says expired', async () => {
    const created = await invite({ expiresInS: 60 });
    expect((await join(created.code)).status).toBe(200);
    now += 60_000;
    const res = await join(created.code);
    expect(res.status).toBe(404);
    expect(ErrorBody.parse(res.body).error.code).toBe('not_found');
    expect((await list()).find((i) => i.id === created.id)?.status).toBe('expired');
  });

  it('when an invite is revoked, then joining is 404, the list says revoked and revoking again is fine', async () => {
    const created = await invite();
    const revoke = () =>
      send(api.url, `/api/sessions/${session.sessionId}/invites/${created.id}`, {
        method: 'DELETE',
        headers: owner.headers,
      });
    expect((await revoke()).status).toBe(204);
    expect((await join(created.code)).status).toBe(404);
    expect((await revoke()).status).toBe(204);
    const listed = (await list()).find((i) => i.id === created.id);
    expect(listed).toMatchObject({ status: 'revoked', revokedAt: new Date(now).toISOString() });
  });

  it('when the session ends, then its invites stop working and neither invites nor tokens are issued', async () => {
    const created = await invite();
    const end = await send(api.url, `/api/sessions/${session.sessionId}/end`, {
      method: 'POST',
      headers: owner.headers,
    });
    expect(end.status, end.text).toBe(200);
    expect((await join(created.code)).status).toBe(404);
    const another = await send(api.url, `/api/sessions/${session.sessionId}/invites`, {
      body: {},
      headers: owner.headers,
    });
    expect(another.status).toBe(409);
    const token = await send(api.url, `/api/sessions/${session.sessionId}/token`, {
      method: 'POST',
      headers: owner.headers,
    });
    expect(token.status).toBe(409);
  });

  it('when an unknown, expired or revoked code is used, then the answers are identical', async () => {
    const expired = await invite({ expiresInS: 1 });
    const revoked = await invite();
    await send(api.url, `/api/sessions/${session.sessionId}/invites/${revoked.id}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    now += 1000;
    const answers = await Promise.all(
      [expired.code, revoked.code, randomBytes(24).toString('base64url')].map(async (c) => {
        const res = await join(c);
        return { status: res.status, body: res.body };
      }),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]?.status).toBe(404);
  });

  it('when invites are listed and used, then no code or its hash appears in a response or a log line', async () => {
    const created = await invite();
    expect((await join(created.code)).status).toBe(200);
    const res = await send(api.url, `/api/sessions/${session.sessionId}/invites`, { headers: owner.headers });
    expect(res.text).not.toContain(created.code);
    expect(res.text).not.toMatch(/hash/i);
    for (const line of api.logs.lines) expect(line).not.toContain(created.code);
  });
});
