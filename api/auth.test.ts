import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import { ApiKeyList, AuthResponse, CreatedApiKey, ErrorBody, User } from '../protocol/index.ts';
import { bearer, signIn, signUp, type SignedUp } from '../test/support/auth.ts';
import { TokenService } from './services/tokens.ts';
import { send, startTestApi, type TestApi } from './testing.ts';

// Accounts and credentials at the wire, on a fake clock: sign-up, sign-in, bearer tokens, API keys,
// and that no password, key, token or signing secret reaches a log line or a response.

const OPERATOR = { email: 'Root@Example.test', password: 'operator-password-2' };

describe.each(dbKinds)('accounts against %s', (kind) => {
  let api: TestApi;
  let now = Date.now();
  let ada: SignedUp;
  const me = (headers: Record<string, string>) => send(api.url, '/api/auth/me', { headers });
  /** Every credential and secret the test has seen; none may appear in a log line. */
  const secrets = new Set<string>();

  beforeAll(async () => {
    api = await startTestApi(
      kind,
      {
        LIVEKIT_URL: 'ws://127.0.0.1:9',
        AUTH_RATE_LIMIT_PER_MINUTE: '0',
        AUTH_SECRET: 'a-test-signing-secret-of-32-characters-or-more',
        AUTH_TOKEN_TTL: '1h',
        OPERATOR_EMAIL: OPERATOR.email,
        OPERATOR_PASSWORD: OPERATOR.password,
      },
      { clock: () => now },
    );
    ada = await signUp(api.url, { email: 'Ada@Example.test', password: 'analytical-engine' });
    for (const s of [api.config.authSecret, ada.token, ada.password, OPERATOR.password]) secrets.add(s);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('when someone signs up, then they get a bearer token for an hour and a user account with a lowercased email', () => {
    expect(ada.user).toMatchObject({ email: 'ada@example.test', role: 'user' });
    expect(Date.parse(ada.expiresAt)).toBe(Math.floor(now / 1000) * 1000 + 3_600_000);
  });

  it('when the token is used, then /me answers with the account and nothing secret', async () => {
    const res = await me(ada.headers);
    expect(res.status).toBe(200);
    expect(User.parse(res.body)).toEqual(ada.user);
    expect(res.text).not.toMatch(/password|hash|scrypt/i);
  });

  it('when the same email signs up again in another case, then it is 409 conflict', async () => {
    const res = await send(api.url, '/api/auth/signup', {
      body: { email: 'ADA@example.TEST', password: 'another-password' },
    });
    expect(res.status).toBe(409);
    expect(ErrorBody.parse(res.body).error.code).toBe('conflict');
  });

  it('when signing in with the right password in any email case, then a fresh token comes back', async () => {
    const res = await send(api.url, '/api/auth/signin', {
      body: { email: ' ADA@example.test ', password: 'analytical-engine' },
    });
    expect(res.status, res.text).toBe(200);
    const auth = AuthResponse.parse(res.body);
    secrets.add(auth.token);
    expect(auth.user.id).toBe(ada.user.id);
    expect((await me(bearer(auth.token))).status).toBe(200);
  });

  it('when the password is wrong or the email unknown, then the answers are the same 401', async () => {
    const wrong = await send(api.url, '/api/auth/signin', {
      body: { email: 'ada@example.test', password: 'difference-engine' },
    });
    const unknown = await send(api.url, '/api/auth/signin', {
      body: { email: 'nobody@example.test', password: 'analytical-engine' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(ErrorBody.parse(wrong.body).error).toEqual({
      code: 'unauthorized',
      message: 'wrong email or password',
    });
  });

  it('when signup gets a bad email and a short password, then both are named in the one error shape', async () => {
    const res = await send(api.url, '/api/auth/signup', {
      body: { email: 'ada-at-home', password: 'short' },
    });
    expect(res.status).toBe(400);
    const error = ErrorBody.parse(res.body).error;
    expect(error.code).toBe('validation_failed');
    const paths = (error.details as { issues: { path: string[] }[] }).issues.map((i) => i.path.join('.'));
    expect(paths.sort()).toEqual(['email', 'password']);
    expect(res.text).not.toContain('ada-at-home');
    expect(res.text).not.toContain('"short"');
  });

  it('when the operator from configuration signs in, then it is an operator', async () => {
    const op = await signIn(api.url, OPERATOR.email, OPERATOR.password);
    secrets.add(op.token);
    expect(op.user).toMatchObject({ email: 'root@example.test', role: 'operator' });
  });

  it('when a token is tampered with, signed with another key, unsigned, or for no account, then it is 401', async () => {
    const [header, payload, signature] = ada.token.split('.') as [string, string, string];
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const otherSub = Buffer.from(
      JSON.stringify({ ...claims, sub: '00000000-0000-4000-8000-000000000000' }),
    ).toString('base64url');
    const otherKey = await new TokenService({ secret: 'another-secret-another-secret-000' }).issue(
      ada.user.id,
    );
    const unsigned = new UnsecuredJWT({}).setSubject(ada.user.id).setExpirationTime('1h').encode();
    const noAccount = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('00000000-0000-4000-8000-000000000000')
      .setIssuer('troupe')
      .setAudience('troupe-api')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(api.config.authSecret));
    for (const token of [
      `${header}.${payload}.${flipped}`,
      `${header}.${otherSub}.${signature}`,
      otherKey.token,
      unsigned,
      noAccount,
    ]) {
      const res = await me(bearer(token));
      expect(res.status, token).toBe(401);
      expect(ErrorBody.parse(res.body).error.code).toBe('unauthorized');
    }
  });

  it('when an API key is made, then it is shown once, works as a bearer, and listing shows only its prefix', async () => {
    const res = await send(api.url, '/api/keys', { body: { name: 'backup script' }, headers: ada.headers });
    expect(res.status, res.text).toBe(201);
    const created = CreatedApiKey.parse(res.body);
    secrets.add(created.key);
    expect(created.key).toMatch(/^trp_[0-9a-f]{12}_[\w-]{43}$/);
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    const viaKey = await me(bearer(created.key));
    expect(User.parse(viaKey.body).id).toBe(ada.user.id);
    const listed = await send(api.url, '/api/keys', { headers: ada.headers });
    expect(listed.text).not.toContain(created.key);
    const key = ApiKeyList.parse(listed.body).keys.find((k) => k.id === created.id);
    expect(key).toMatchObject({ name: 'backup script', prefix: created.prefix, revokedAt: null });
    expect(key?.lastUsedAt).not.toBeNull();
  });

  it('when an API key is revoked, then it is 401 at once; someone else cannot revoke or see it', async () => {
    const created = CreatedApiKey.parse(
      (await send(api.url, '/api/keys', { body: { name: 'temporary' }, headers: ada.headers })).body,
    );
    secrets.add(created.key);
    const bob = await signUp(api.url);
    secrets.add(bob.token);
    const byBob = await send(api.url, `/api/keys/${created.id}`, { method: 'DELETE', headers: bob.headers });
    expect(byBob.status).toBe(404);
    expect(ApiKeyList.parse((await send(api.url, '/api/keys', { headers: bob.headers })).body).keys).toEqual(
      [],
    );
    expect((await me(bearer(created.key))).status).toBe(200);
    const revoked = await send(api.url, `/api/keys/${created.id}`, {
      method: 'DELETE',
      headers: ada.headers,
    });
    expect(revoked.status).toBe(204);
    expect((await me(bearer(created.key))).status).toBe(401);
    const again = await send(api.url, `/api/keys/${created.id}`, { method: 'DELETE', headers: ada.headers });
    expect(again.status).toBe(204);
    const tampered = created.key.slice(0, -1) + (created.key.endsWith('A') ? 'B' : 'A');
    expect((await me(bearer(tampered))).status).toBe(401);
  });

  it('when everything above has been logged, then no password, token, key or signing secret is in any line', () => {
    expect(api.logs.lines.length).toBeGreaterThan(0);
    for (const line of api.logs.lines) for (const secret of secrets) expect(line).not.toContain(secret);
  });

  // Last: moving the clock past the token lifetime signs every earlier token out.
  it('when the token lifetime passes on the clock, then the token is 401 and signing in again works', async () => {
    expect((await me(ada.headers)).status).toBe(200);
    now += 3_600_000 + 10_000;
    const res = await me(ada.headers);
    expect(res.status).toBe(401);
    expect(ErrorBody.parse(res.body).error.code).toBe('unauthorized');
    const fresh = await signIn(api.url, 'ada@example.test', 'analytical-engine');
    expect((await me(fresh.headers)).status).toBe(200);
  });
});
