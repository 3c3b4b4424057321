// The table behind api/bad-input.test.ts: one row per endpoint and kind of bad input.
import { randomUUID } from 'node:crypto';
import { emptyTurnMetrics, type ErrorCode } from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import type { SendOptions } from './testing.ts';

export interface Case {
  name: string;
  path: string;
  opts: SendOptions;
  status: number;
  code: ErrorCode;
}

/** Stand for the real ids and the signed-in caller's bearer token once the app is up. */
export const SESSION = '{session}';
/** Stands for a character the signed-in caller owns. */
export const CHARACTER = '{character}';
export const USER_TOKEN = '{user-token}';
export const user = { authorization: `Bearer ${USER_TOKEN}` };
/** A well-formed id that names nothing. */
export const OTHER_UUID = '0b0c9a53-5c55-4a8e-9f1c-7f7f3b0f6c11';
const bigString = 'x'.repeat(100 * 1024);
export const API_SECRET = `bad-input-secret-${randomUUID()}`;
const agent = { authorization: `Bearer ${agentApiToken(API_SECRET)}` };

const goodTurn = {
  id: randomUUID(),
  role: 'user',
  speaker: 'caller-1',
  speakerName: 'Caller',
  text: 'hi',
  heardText: 'hi',
  interrupted: false,
  startedAt: '2030-01-01T12:00:00.000Z',
  endedAt: '2030-01-01T12:00:01.000Z',
  metrics: emptyTurnMetrics,
};
const characterVoice = {
  openai: { voice: 'alloy' },
  elevenlabs: { voiceId: 'v1' },
  espeak: { voice: 'en-us', rate: 170, pitch: 50 },
};
const goodStatus = { status: 'active', providers: { stt: 'a', llm: 'b', tts: 'c', offline: true } };

/** One row, for the requests whose only detail is how they are sent. */
export const row = (
  name: string,
  path: string,
  opts: Case['opts'],
  status: number,
  code: Case['code'],
): Case => ({
  name,
  path,
  opts,
  status,
  code,
});

/** The checks every JSON-taking endpoint gets. `auth` is added to each request's headers. */
export function bodyCases(
  label: string,
  path: string,
  good: Record<string, unknown>,
  auth: Record<string, string>,
): Case[] {
  const json = { 'content-type': 'application/json', ...auth };
  return [
    {
      name: `${label} gets malformed JSON`,
      path,
      opts: { body: '{"mode": ', headers: json },
      status: 400,
      code: 'bad_request',
    },
    {
      name: `${label} gets a JSON string instead of an object`,
      path,
      opts: { body: '"call"', headers: json },
      status: 400,
      code: 'bad_request',
    },
    {
      name: `${label} gets a JSON array`,
      path,
      opts: { body: [good], headers: auth },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: `${label} gets an extra field`,
      path,
      opts: { body: { ...good, admin: true }, headers: auth },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: `${label} gets text/plain`,
      path,
      opts: { body: JSON.stringify(good), headers: { 'content-type': 'text/plain', ...auth } },
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: `${label} gets a form`,
      path,
      opts: { body: 'mode=call', headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth } },
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: `${label} gets a body above BODY_LIMIT`,
      path,
      opts: { body: { ...good, pad: bigString }, headers: auth },
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: `${label} gets an unsupported charset`,
      path,
      opts: {
        body: JSON.stringify(good),
        headers: { 'content-type': 'application/json; charset=latin-9', ...auth },
      },
      status: 415,
      code: 'unsupported_media_type',
    },
  ];
}

/** Every endpoint × every kind of bad input, with the exact status and error code expected. */
export function badInputCases(): Case[] {
  const forged = { authorization: `Bearer ${agentApiToken('not-the-secret')}` };
  const internal = (what: string, path: string, good: Record<string, unknown>): Case[] => [
    ...bodyCases(`${what}`, path, good, agent),
    { name: `${what} has no token`, path, opts: { body: good }, status: 401, code: 'unauthorized' },
    {
      name: `${what} has a forged token`,
      path,
      opts: { body: good, headers: forged },
      status: 401,
      code: 'unauthorized',
    },
    {
      name: `${what} has the token in the wrong scheme`,
      path,
      opts: { body: good, headers: { authorization: agent.authorization.replace('Bearer', 'Basic') } },
      status: 401,
      code: 'unauthorized',
    },
    {
      name: `${what} has a forged token and malformed JSON`,
      path,
      opts: { body: '{', headers: { 'content-type': 'application/json', ...forged } },
      status: 401,
      code: 'unauthorized',
    },
    {
      name: `${what} names an unknown session`,
      path: path.replace(SESSION, OTHER_UUID),
      opts: { body: good, headers: agent },
      status: 404,
      code: 'not_found',
    },
    {
      name: `${what} names a non-uuid session`,
      path: path.replace(SESSION, 'not-a-uuid'),
      opts: { body: good, headers: agent },
      status: 404,
      code: 'not_found',
    },
    {
      name: `${what} has no body`,
      path,
      opts: { method: 'POST', headers: agent },
      status: 400,
      code: 'validation_failed',
    },
  ];
  const statusPath = `/api/internal/sessions/${SESSION}/status`;
  const turnsPath = `/api/internal/sessions/${SESSION}/turns`;
  return [
    // POST /api/sessions
    ...bodyCases('POST /api/sessions', '/api/sessions', { mode: 'call', characterId: 'test-ada' }, user),
    {
      name: 'POST /api/sessions gets a number for characterId',
      path: '/api/sessions',
      opts: { body: { mode: 'call', characterId: 42 }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST /api/sessions gets an unknown mode',
      path: '/api/sessions',
      opts: { body: { mode: 'karaoke', characterId: 'test-ada' }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST /api/sessions gets both characterId and characterIds',
      path: '/api/sessions',
      opts: { body: { mode: 'call', characterId: 'test-ada', characterIds: ['test-ada'] }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST /api/sessions gets a 61-character displayName',
      path: '/api/sessions',
      opts: { body: { mode: 'call', characterId: 'test-ada', displayName: 'n'.repeat(61) }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST /api/sessions gets no body',
      path: '/api/sessions',
      opts: { method: 'POST', headers: user },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST /api/sessions names an unknown character',
      path: '/api/sessions',
      opts: { body: { mode: 'call', characterId: 'nobody' }, headers: user },
      status: 404,
      code: 'not_found',
    },
    // GET /api/characters/:id
    {
      name: 'GET /api/characters/:id names an unknown character',
      path: '/api/characters/nobody',
      opts: {},
      status: 404,
      code: 'not_found',
    },
    {
      name: 'GET /api/characters/:id gets an id that is not a slug',
      path: '/api/characters/Not%20A%20Slug',
      opts: {},
      status: 404,
      code: 'not_found',
    },
    {
      name: 'GET /api/characters/:id gets broken percent-encoding',
      path: '/api/characters/%E0%A4%A',
      opts: {},
      status: 400,
      code: 'bad_request',
    },
    // GET /api/sessions/:id
    {
      name: 'GET /api/sessions/:id names an unknown session',
      path: `/api/sessions/${OTHER_UUID}`,
      opts: { headers: user },
      status: 404,
      code: 'not_found',
    },
    {
      name: 'GET /api/sessions/:id gets a non-uuid id',
      path: '/api/sessions/12345',
      opts: { headers: user },
      status: 404,
      code: 'not_found',
    },
    {
      name: 'GET /api/sessions/:id gets an SQL-looking id',
      path: `/api/sessions/${encodeURIComponent("' or 1=1 --")}`,
      opts: { headers: user },
      status: 404,
      code: 'not_found',
    },
    // POST /api/sessions/:id/end
    ...bodyCases('POST /api/sessions/:id/end', `/api/sessions/${SESSION}/end`, {}, user).filter(
      (c) => !c.name.includes('extra field'),
    ),
    {
      name: 'POST /api/sessions/:id/end gets fields',
      path: `/api/sessions/${SESSION}/end`,
      opts: { body: { force: true }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    row(
      'POST /api/sessions/:id/end names an unknown session',
      `/api/sessions/${OTHER_UUID}/end`,
      { method: 'POST', headers: user },
      404,
      'not_found',
    ),
    row(
      'POST /api/sessions/:id/end gets a non-uuid id',
      '/api/sessions/nope/end',
      { method: 'POST', headers: user },
      404,
      'not_found',
    ),
    // POST /api/internal/sessions/:id/status
    ...internal('POST …/status', statusPath, goodStatus),
    {
      name: 'POST …/status gets a status other than active',
      path: statusPath,
      opts: { body: { ...goodStatus, status: 'ended' }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST …/status gets an extra provider field',
      path: statusPath,
      opts: { body: { ...goodStatus, providers: { ...goodStatus.providers, key: 'sk-1' } }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST …/status gets offline as a string',
      path: statusPath,
      opts: {
        body: { ...goodStatus, providers: { ...goodStatus.providers, offline: 'yes' } },
        headers: agent,
      },
      status: 400,
      code: 'validation_failed',
    },
    // POST /api/internal/sessions/:id/turns
    ...internal('POST …/turns', turnsPath, goodTurn),
    {
      name: 'POST …/turns gets a non-uuid turn id',
      path: turnsPath,
      opts: { body: { ...goodTurn, id: 'turn-1' }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST …/turns gets an unknown role',
      path: turnsPath,
      opts: { body: { ...goodTurn, role: 'narrator' }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST …/turns gets a negative metric',
      path: turnsPath,
      opts: { body: { ...goodTurn, metrics: { ...emptyTurnMetrics, llmTtftMs: -1 } }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST …/turns gets a metric as a string',
      path: turnsPath,
      opts: { body: { ...goodTurn, metrics: { ...emptyTurnMetrics, llmTtftMs: '5' } }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST …/turns gets an extra metric',
      path: turnsPath,
      opts: { body: { ...goodTurn, metrics: { ...emptyTurnMetrics, gpuMs: 1 } }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST …/turns gets a date that is not ISO',
      path: turnsPath,
      opts: { body: { ...goodTurn, startedAt: 'yesterday' }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST …/turns misses its metrics',
      path: turnsPath,
      opts: { body: { ...goodTurn, metrics: undefined }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    // The character builder's media endpoints
    ...bodyCases(
      'POST /api/characters/generate',
      '/api/characters/generate',
      { description: 'a pirate' },
      user,
    ),
    {
      name: 'POST /api/characters/generate gets an empty description',
      path: '/api/characters/generate',
      opts: { body: { description: ' ' }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST /api/voices/preview gets 301 characters of text',
      path: '/api/voices/preview',
      opts: { body: { voice: characterVoice, text: 'x'.repeat(301) }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST /api/characters/:id/voice/preview names an unknown provider',
      path: '/api/characters/test-ada/voice/preview',
      opts: { body: { text: 'hi', provider: 'polly' }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'PUT /api/characters/:id/avatar names an unknown character',
      path: '/api/characters/nobody/avatar',
      opts: { method: 'PUT', body: 'GIF89a', headers: { 'content-type': 'image/png', ...user } },
      status: 404,
      code: 'not_found',
    },
    {
      name: 'PUT /api/characters/:id/avatar targets a built-in character',
      path: '/api/characters/test-ada/avatar',
      opts: { method: 'PUT', body: 'GIF89a', headers: { 'content-type': 'image/png', ...user } },
      status: 403,
      code: 'forbidden',
    },
    {
      name: 'GET /api/characters/:id/avatar gets an id that is not a slug',
      path: '/api/characters/Not%20A%20Slug/avatar',
      opts: {},
      status: 404,
      code: 'not_found',
    },
    {
      name: 'POST /api/characters/:id/voice/clone targets a built-in character',
      path: '/api/characters/test-ada/voice/clone',
      opts: { body: 'x', headers: { 'content-type': 'multipart/form-data; boundary=x', ...user } },
      status: 403,
      code: 'forbidden',
    },
    // Knowledge: test-ada is built in, so the signed-in caller may read it but not write to it.
    ...internal('POST …/knowledge', `/api/internal/sessions/${SESSION}/knowledge`, { query: 'engines' }),
    {
      name: 'POST …/knowledge names a character outside the session',
      path: `/api/internal/sessions/${SESSION}/knowledge`,
      opts: { body: { query: 'engines', characterId: 'test-bob' }, headers: agent },
      status: 404,
      code: 'not_found',
    },
    {
      name: 'POST …/knowledge gets an empty query',
      path: `/api/internal/sessions/${SESSION}/knowledge`,
      opts: { body: { query: '  ' }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST …/knowledge gets a limit of 0',
      path: `/api/internal/sessions/${SESSION}/knowledge`,
      opts: { body: { query: 'engines', limit: 0 }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'GET /api/characters/:id/knowledge names an unknown character',
      path: '/api/characters/nobody/knowledge',
      opts: {},
      status: 404,
      code: 'not_found',
    },
    {
      name: 'GET …/knowledge/search has no q',
      path: '/api/characters/test-ada/knowledge/search',
      opts: {},
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'GET …/knowledge/search gets two q',
      path: '/api/characters/test-ada/knowledge/search?q=a&q=b',
      opts: {},
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'GET …/knowledge/search gets a limit that is not a number',
      path: '/api/characters/test-ada/knowledge/search?q=engines&limit=lots',
      opts: {},
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'GET …/knowledge/search gets a q over 2000 characters',
      path: `/api/characters/test-ada/knowledge/search?q=${'q'.repeat(2001)}`,
      opts: {},
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST /api/characters/:id/knowledge is sent without sign-in',
      path: '/api/characters/test-ada/knowledge',
      opts: { body: 'text', headers: { 'content-type': 'text/plain' } },
      status: 401,
      code: 'unauthorized',
    },
    {
      name: 'POST /api/characters/:id/knowledge gets a PDF',
      path: '/api/characters/test-ada/knowledge',
      opts: { body: '%PDF-1.4', headers: { 'content-type': 'application/pdf', ...user } },
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'POST /api/characters/:id/knowledge gets no body',
      path: '/api/characters/test-ada/knowledge',
      opts: { method: 'POST', headers: user },
      status: 400,
      code: 'bad_request',
    },
    {
      name: 'POST /api/characters/:id/knowledge targets a built-in character',
      path: '/api/characters/test-ada/knowledge',
      opts: { body: 'text', headers: { 'content-type': 'text/plain', ...user } },
      status: 403,
      code: 'forbidden',
    },
    {
      name: 'DELETE /api/characters/:id/knowledge/:documentId gets a non-uuid document id',
      path: '/api/characters/nobody/knowledge/not-a-uuid',
      opts: { method: 'DELETE', headers: user },
      status: 404,
      code: 'not_found',
    },
    // Routes that do not exist
    {
      name: 'an unknown /api route is requested',
      path: '/api/nothing-here',
      opts: {},
      status: 404,
      code: 'not_found',
    },
    {
      name: 'a known /api path gets the wrong method',
      path: '/api/characters',
      opts: { method: 'DELETE' },
      status: 404,
      code: 'not_found',
    },
    {
      name: 'an unknown internal route is requested with the token',
      path: '/api/internal/whatever',
      opts: { headers: agent },
      status: 404,
      code: 'not_found',
    },
  ];
}
