// More rows for api/bad-input.test.ts: the accounts, keys, characters and invites endpoints.
import { bodyCases, CHARACTER, OTHER_UUID, row, SESSION, user, type Case } from './bad-input.cases.ts';
import { characterInput } from './testing.ts';

const goodCharacter = characterInput('Bad Input');

export function accountBadInputCases(): Case[] {
  const invites = `/api/sessions/${SESSION}/invites`;
  return [
    // POST /api/auth/signup and /signin
    ...bodyCases(
      'POST /api/auth/signup',
      '/api/auth/signup',
      { email: 'x@example.test', password: 'p'.repeat(12) },
      {},
    ),
    row(
      'POST /api/auth/signup gets a bad email',
      '/api/auth/signup',
      { body: { email: 'not-an-email', password: 'p'.repeat(12) } },
      400,
      'validation_failed',
    ),
    row(
      'POST /api/auth/signup gets a 9-character password',
      '/api/auth/signup',
      { body: { email: 'short@example.test', password: 'p'.repeat(9) } },
      400,
      'validation_failed',
    ),
    row(
      'POST /api/auth/signup misses the password',
      '/api/auth/signup',
      { body: { email: 'none@example.test' } },
      400,
      'validation_failed',
    ),
    ...bodyCases(
      'POST /api/auth/signin',
      '/api/auth/signin',
      { email: 'x@example.test', password: 'whatever-it-is' },
      {},
    ),
    row(
      'POST /api/auth/signin names no account',
      '/api/auth/signin',
      { body: { email: 'nobody@example.test', password: 'p'.repeat(12) } },
      401,
      'unauthorized',
    ),
    row('GET /api/auth/me has no credential', '/api/auth/me', {}, 401, 'unauthorized'),
    row(
      'GET /api/auth/me has a malformed bearer token',
      '/api/auth/me',
      { headers: { authorization: 'Bearer not.a.jwt' } },
      401,
      'unauthorized',
    ),
    row(
      'GET /api/auth/me has a Basic credential',
      '/api/auth/me',
      { headers: { authorization: 'Basic dXNlcjpwYXNz' } },
      401,
      'unauthorized',
    ),
    row(
      'GET /api/characters has an unknown API key',
      '/api/characters',
      { headers: { authorization: `Bearer trp_000000000000_${'a'.repeat(43)}` } },
      401,
      'unauthorized',
    ),
    // /api/keys
    ...bodyCases('POST /api/keys', '/api/keys', { name: 'script' }, user),
    row('POST /api/keys has no credential', '/api/keys', { body: { name: 'script' } }, 401, 'unauthorized'),
    row(
      'POST /api/keys gets an empty name',
      '/api/keys',
      { body: { name: ' ' }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'DELETE /api/keys/:id gets a non-uuid id',
      '/api/keys/nope',
      { method: 'DELETE', headers: user },
      404,
      'not_found',
    ),
    row(
      'DELETE /api/keys/:id names an unknown key',
      `/api/keys/${OTHER_UUID}`,
      { method: 'DELETE', headers: user },
      404,
      'not_found',
    ),
    // /api/characters
    ...bodyCases('POST /api/characters', '/api/characters', goodCharacter, user),
    row(
      'POST /api/characters has no credential',
      '/api/characters',
      { body: goodCharacter },
      401,
      'unauthorized',
    ),
    row(
      'POST /api/characters gives an id',
      '/api/characters',
      { body: { ...goodCharacter, id: 'mine' }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'POST /api/characters claims to be built in',
      '/api/characters',
      { body: { ...goodCharacter, builtIn: true }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'POST /api/characters gets an unknown visibility',
      '/api/characters',
      { body: { ...goodCharacter, visibility: 'friends' }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'POST /api/characters misses the persona',
      '/api/characters',
      { body: { ...goodCharacter, persona: undefined }, headers: user },
      400,
      'validation_failed',
    ),
    // A NUL reached Postgres, which cannot store one in text: a 500 instead of a 400.
    row(
      'POST /api/characters gets a NUL in its name',
      '/api/characters',
      { body: { ...goodCharacter, name: 'Bad\u0000Input' }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'POST /api/characters gets a NUL in a persona trait',
      '/api/characters',
      {
        body: { ...goodCharacter, persona: { ...goodCharacter.persona, traits: ['k\u0000nd'] } },
        headers: user,
      },
      400,
      'validation_failed',
    ),
    row(
      'PATCH /api/characters/:id gets a NUL in its greeting',
      `/api/characters/${CHARACTER}`,
      { method: 'PATCH', body: { greeting: 'Hello\u0000' }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'PATCH /api/characters/:id gets a NUL in a tag',
      `/api/characters/${CHARACTER}`,
      { method: 'PATCH', body: { tags: ['\u0000'] }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'POST /api/characters/:id/clone gets a NUL in its name',
      `/api/characters/${CHARACTER}/clone`,
      { body: { name: 'Copy\u0000' }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'PATCH /api/characters/:id names a built-in',
      '/api/characters/test-ada',
      { method: 'PATCH', body: { name: 'Mine now' }, headers: user },
      403,
      'forbidden',
    ),
    row(
      'DELETE /api/characters/:id names an unknown character',
      '/api/characters/nobody',
      { method: 'DELETE', headers: user },
      404,
      'not_found',
    ),
    // sessions without a credential
    row(
      'POST /api/sessions has no credential',
      '/api/sessions',
      { body: { mode: 'call', characterId: 'test-ada' } },
      401,
      'unauthorized',
    ),
    row('GET /api/sessions/:id has no credential', `/api/sessions/${SESSION}`, {}, 401, 'unauthorized'),
    row(
      'POST /api/sessions/:id/token gets fields',
      `/api/sessions/${SESSION}/token`,
      { body: { identity: 'me' }, headers: user },
      400,
      'validation_failed',
    ),
    // invites
    ...bodyCases('POST /api/sessions/:id/invites', invites, { expiresInS: 60 }, user),
    row(
      'POST …/invites asks for more than 7 days',
      invites,
      { body: { expiresInS: 7 * 86_400 + 1 }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'POST …/invites asks for 0 seconds',
      invites,
      { body: { expiresInS: 0 }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'POST …/invites gets expiresInS as a string',
      invites,
      { body: { expiresInS: '60' }, headers: user },
      400,
      'validation_failed',
    ),
    row(
      'DELETE …/invites/:inviteId gets a non-uuid id',
      `${invites}/nope`,
      { method: 'DELETE', headers: user },
      404,
      'not_found',
    ),
    row(
      'DELETE …/invites/:inviteId names an unknown invite',
      `${invites}/${OTHER_UUID}`,
      { method: 'DELETE', headers: user },
      404,
      'not_found',
    ),
    row(
      'POST /api/invites/:code/join names an unknown code',
      `/api/invites/${'a'.repeat(32)}/join`,
      { method: 'POST' },
      404,
      'not_found',
    ),
    row(
      'POST /api/invites/:code/join gets a short code',
      '/api/invites/abc/join',
      { method: 'POST' },
      404,
      'not_found',
    ),
    row(
      'POST /api/invites/:code/join gets a 61-character displayName',
      `/api/invites/${'a'.repeat(32)}/join`,
      { body: { displayName: 'n'.repeat(61) } },
      400,
      'validation_failed',
    ),
  ];
}
