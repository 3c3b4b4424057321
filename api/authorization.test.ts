import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import {
  Character,
  CharacterList,
  CreateSessionResponse,
  ErrorBody,
  SessionList,
  type ErrorCode,
} from '../protocol/index.ts';
import { signIn, signUp, type SignedUp } from '../test/support/auth.ts';
import { canSeeCharacter, type Principal } from './services/access.ts';
import { characterInput, send, startTestApi, type TestApi } from './testing.ts';

// The authorisation matrix: what each of A, B, an operator and an anonymous caller gets when they
// touch A's private and public characters, A's session, and the built-ins. Someone else's private
// things are 404 (their existence is not revealed); visible things one may not change are 403.

const OPERATOR = { email: 'operator@example.test', password: 'operator-password-1' };

type Who = 'anonymous' | 'A' | 'B' | 'operator';
interface Row {
  who: Who;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** `{aPrivate}`, `{aPublic}`, `{aSession}` and `{aInvite}` stand for ids made in beforeAll. */
  path: string;
  body?: unknown;
  status: number;
  code?: ErrorCode;
}

const deny = (status: 401 | 403 | 404): Pick<Row, 'status' | 'code'> => ({
  status,
  code: status === 401 ? 'unauthorized' : status === 403 ? 'forbidden' : 'not_found',
});
const edit = { tagline: 'changed by someone' };

const matrix: Row[] = [
  // A's private character
  { who: 'anonymous', method: 'GET', path: '/api/characters/{aPrivate}', ...deny(404) },
  { who: 'B', method: 'GET', path: '/api/characters/{aPrivate}', ...deny(404) },
  { who: 'A', method: 'GET', path: '/api/characters/{aPrivate}', status: 200 },
  { who: 'operator', method: 'GET', path: '/api/characters/{aPrivate}', status: 200 },
  { who: 'anonymous', method: 'PATCH', path: '/api/characters/{aPrivate}', body: edit, ...deny(401) },
  { who: 'B', method: 'PATCH', path: '/api/characters/{aPrivate}', body: edit, ...deny(404) },
  { who: 'B', method: 'DELETE', path: '/api/characters/{aPrivate}', ...deny(404) },
  { who: 'operator', method: 'PATCH', path: '/api/characters/{aPrivate}', body: edit, ...deny(403) },
  { who: 'operator', method: 'DELETE', path: '/api/characters/{aPrivate}', ...deny(403) },
  {
    who: 'anonymous',
    method: 'POST',
    path: '/api/sessions',
    body: { mode: 'call', characterId: '{aPrivate}' },
    ...deny(401),
  },
  {
    who: 'B',
    method: 'POST',
    path: '/api/sessions',
    body: { mode: 'call', characterId: '{aPrivate}' },
    ...deny(404),
  },
  {
    who: 'A',
    method: 'PATCH',
    path: '/api/characters/{aPrivate}',
    body: { tagline: 'changed by A' },
    status: 200,
  },
  // A's public character: everyone sees it and may call it; only A changes it
  { who: 'anonymous', method: 'GET', path: '/api/characters/{aPublic}', status: 200 },
  { who: 'B', method: 'GET', path: '/api/characters/{aPublic}', status: 200 },
  { who: 'B', method: 'PATCH', path: '/api/characters/{aPublic}', body: edit, ...deny(403) },
  { who: 'B', method: 'DELETE', path: '/api/characters/{aPublic}', ...deny(403) },
  {
    who: 'B',
    method: 'POST',
    path: '/api/sessions',
    body: { mode: 'call', characterId: '{aPublic}' },
    status: 201,
  },
  // built-ins (test-ada) and other seeded characters (test-bob) are read-only for everyone
  { who: 'anonymous', method: 'GET', path: '/api/characters/test-ada', status: 200 },
  { who: 'anonymous', method: 'DELETE', path: '/api/characters/test-ada', ...deny(401) },
  { who: 'A', method: 'PATCH', path: '/api/characters/test-ada', body: edit, ...deny(403) },
  { who: 'A', method: 'DELETE', path: '/api/characters/test-ada', ...deny(403) },
  { who: 'operator', method: 'PATCH', path: '/api/characters/test-ada', body: edit, ...deny(403) },
  { who: 'operator', method: 'DELETE', path: '/api/characters/test-ada', ...deny(403) },
  { who: 'B', method: 'PATCH', path: '/api/characters/test-bob', body: edit, ...deny(403) },
  // A's session
  { who: 'anonymous', method: 'GET', path: '/api/sessions/{aSession}', ...deny(401) },
  { who: 'B', method: 'GET', path: '/api/sessions/{aSession}', ...deny(404) },
  { who: 'A', method: 'GET', path: '/api/sessions/{aSession}', status: 200 },
  { who: 'operator', method: 'GET', path: '/api/sessions/{aSession}', status: 200 },
  { who: 'anonymous', method: 'POST', path: '/api/sessions/{aSession}/end', ...deny(401) },
  { who: 'B', method: 'POST', path: '/api/sessions/{aSession}/end', ...deny(404) },
  { who: 'anonymous', method: 'POST', path: '/api/sessions/{aSession}/token', ...deny(401) },
  { who: 'B', method: 'POST', path: '/api/sessions/{aSession}/token', ...deny(404) },
  { who: 'operator', method: 'POST', path: '/api/sessions/{aSession}/token', ...deny(403) },
  { who: 'A', method: 'POST', path: '/api/sessions/{aSession}/token', status: 200 },
  { who: 'anonymous', method: 'POST', path: '/api/sessions/{aSession}/invites', body: {}, ...deny(401) },
  { who: 'B', method: 'POST', path: '/api/sessions/{aSession}/invites', body: {}, ...deny(404) },
  { who: 'operator', method: 'POST', path: '/api/sessions/{aSession}/invites', body: {}, ...deny(403) },
  { who: 'B', method: 'GET', path: '/api/sessions/{aSession}/invites', ...deny(404) },
  { who: 'B', method: 'DELETE', path: '/api/sessions/{aSession}/invites/{aInvite}', ...deny(404) },
  { who: 'operator', method: 'DELETE', path: '/api/sessions/{aSession}/invites/{aInvite}', ...deny(403) },
  { who: 'A', method: 'GET', path: '/api/sessions/{aSession}/invites', status: 200 },
  // lists need an account
  { who: 'anonymous', method: 'GET', path: '/api/sessions', ...deny(401) },
  { who: 'anonymous', method: 'GET', path: '/api/keys', ...deny(401) },
];

describe.each(dbKinds)('authorisation against %s', (kind) => {
  let api: TestApi;
  const users = {} as Record<Exclude<Who, 'anonymous'>, SignedUp>;
  const ids: Record<string, string> = {};
  let bSession: string;

  const as = (who: Who) => (who === 'anonymous' ? {} : users[who].headers);
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => ids[k] ?? `{${k}}`);
  const principal = (who: Who): Principal | undefined =>
    who === 'anonymous' ? undefined : { id: users[who].user.id, role: users[who].user.role, via: 'token' };

  beforeAll(async () => {
    // LiveKit is never reached: tokens are minted locally, and ending tolerates a dead server.
    api = await startTestApi(kind, {
      LIVEKIT_URL: 'ws://127.0.0.1:9',
      AUTH_RATE_LIMIT_PER_MINUTE: '0',
      OPERATOR_EMAIL: OPERATOR.email,
      OPERATOR_PASSWORD: OPERATOR.password,
    });
    users.A = await signUp(api.url);
    users.B = await signUp(api.url);
    users.operator = await signIn(api.url, OPERATOR.email, OPERATOR.password);
    const create = async (who: 'A' | 'B', name: string, visibility: 'private' | 'public') => {
      const res = await send(api.url, '/api/characters', {
        body: characterInput(name, visibility),
        headers: as(who),
      });
      expect(res.status, res.text).toBe(201);
      return Character.parse(res.body).id;
    };
    ids.aPrivate = await create('A', 'A Private', 'private');
    ids.aPublic = await create('A', 'A Public', 'public');
    ids.bPrivate = await create('B', 'B Private', 'private');
    const session = async (who: 'A' | 'B', characterId: string) => {
      const res = await send(api.url, '/api/sessions', {
        body: { mode: 'call', characterId },
        headers: as(who),
      });
      expect(res.status, res.text).toBe(201);
      return CreateSessionResponse.parse(res.body).sessionId;
    };
    ids.aSession = await session('A', ids.aPrivate);
    bSession = await session('B', 'test-ada');
    const invite = await send(api.url, `/api/sessions/${ids.aSession}/invites`, {
      body: {},
      headers: as('A'),
    });
    expect(invite.status, invite.text).toBe(201);
    ids.aInvite = (invite.body as { id: string }).id;
  });
  afterAll(async () => {
    await api?.stop();
  });

  it.each(matrix.map((r) => [r.who, r.method, r.path, r.status, r] as const))(
    'when %s sends %s %s, then the answer is %i',
    async (who, method, path, status, row) => {
      const body = row.body === undefined ? undefined : JSON.parse(fill(JSON.stringify(row.body)));
      const res = await send(api.url, fill(path), { method, body, headers: as(who) });
      expect(res.status, res.text).toBe(status);
      if (row.code) expect(ErrorBody.parse(res.body).error.code).toBe(row.code);
    },
  );

  it('when a request was refused, then A’s things are unchanged', async () => {
    const res = await send(api.url, `/api/characters/${ids.aPrivate}`, { headers: as('A') });
    expect(Character.parse(res.body)).toMatchObject({ tagline: 'changed by A', visibility: 'private' });
    const session = await send(api.url, `/api/sessions/${ids.aSession}`, { headers: as('A') });
    expect(session.body).toMatchObject({ status: 'created', ownerId: users.A.user.id });
  });

  it.each(['anonymous', 'A', 'B', 'operator'] as const)(
    'when %s lists characters, then exactly the ones access.ts lets them see come back',
    async (who) => {
      const all = CharacterList.parse(
        (await send(api.url, '/api/characters', { headers: as('operator') })).body,
      );
      const seen = CharacterList.parse((await send(api.url, '/api/characters', { headers: as(who) })).body);
      const expected = all.characters.filter((c) => canSeeCharacter(principal(who), c)).map((c) => c.id);
      expect(seen.characters.map((c) => c.id)).toEqual(expected);
      const privateOf = { A: ids.aPrivate, B: ids.bPrivate };
      for (const [owner, id] of Object.entries(privateOf)) {
        const visible = who === owner || who === 'operator';
        expect(
          seen.characters.some((c) => c.id === id),
          `${who} sees ${owner}'s private`,
        ).toBe(visible);
      }
      expect(seen.characters.map((c) => c.id)).toEqual(
        expect.arrayContaining(['test-ada', 'test-bob', ids.aPublic]),
      );
    },
  );

  it('when A and B list their sessions, then each sees only their own', async () => {
    const a = SessionList.parse((await send(api.url, '/api/sessions', { headers: as('A') })).body);
    const b = SessionList.parse((await send(api.url, '/api/sessions', { headers: as('B') })).body);
    expect(a.sessions.map((s) => s.id)).toContain(ids.aSession);
    expect(a.sessions.map((s) => s.id)).not.toContain(bSession);
    expect(b.sessions.map((s) => s.id)).toContain(bSession);
    expect(b.sessions.map((s) => s.id)).not.toContain(ids.aSession);
    expect(new Set([...a.sessions, ...b.sessions].map((s) => s.ownerId)).size).toBe(2);
  });

  it('when A makes a character public and later private again, then B sees it only while it is public', async () => {
    const id = ids.bPrivate!;
    const flip = (visibility: string) =>
      send(api.url, `/api/characters/${id}`, { method: 'PATCH', body: { visibility }, headers: as('B') });
    expect((await flip('public')).status).toBe(200);
    expect((await send(api.url, `/api/characters/${id}`, { headers: as('A') })).status).toBe(200);
    expect((await flip('private')).status).toBe(200);
    expect((await send(api.url, `/api/characters/${id}`, { headers: as('A') })).status).toBe(404);
  });

  it('when an owner deletes a character with sessions, then it is 409; without sessions, 204 and gone', async () => {
    const inUse = await send(api.url, `/api/characters/${ids.aPrivate}`, {
      method: 'DELETE',
      headers: as('A'),
    });
    expect(inUse.status).toBe(409);
    expect(ErrorBody.parse(inUse.body).error.code).toBe('conflict');
    const spare = await send(api.url, '/api/characters', {
      body: characterInput('Spare', 'private'),
      headers: as('A'),
    });
    const spareId = Character.parse(spare.body).id;
    expect(spareId).toMatch(/^spare-[0-9a-f]{6}$/);
    expect(
      (await send(api.url, `/api/characters/${spareId}`, { method: 'DELETE', headers: as('A') })).status,
    ).toBe(204);
    expect((await send(api.url, `/api/characters/${spareId}`, { headers: as('A') })).status).toBe(404);
  });

  it('when a character is created, then it belongs to its creator and is private unless asked otherwise', async () => {
    const { visibility: _omit, ...input } = characterInput('Défault Ñame!', 'public');
    const res = await send(api.url, '/api/characters', { body: input, headers: as('B') });
    expect(res.status, res.text).toBe(201);
    const c = Character.parse(res.body);
    expect(c).toMatchObject({ ownerId: users.B.user.id, visibility: 'private', builtIn: false });
    expect(c.id).toMatch(/^default-name-[0-9a-f]{6}$/);
  });
});
