// Rows of the bad-input table (api/bad-input.test.ts) for broadcasts and the agent's broadcast endpoints.
import { agentApiToken } from '../protocol/internal.ts';
import { API_SECRET, bodyCases, OTHER_UUID, user, type Case } from './bad-input.cases.ts';

const agent = { authorization: `Bearer ${agentApiToken(API_SECRET)}` };
const good = {
  title: 'A show',
  characterIds: ['test-ada', 'test-bob'],
  twitch: { channel: 'troupe_test', streamKey: 'test-stream-key' },
};

const create = (name: string, body: Record<string, unknown>): Case => ({
  name: `POST /api/broadcasts ${name}`,
  path: '/api/broadcasts',
  opts: { body: { ...good, ...body }, headers: user },
  status: 400,
  code: 'validation_failed',
});
const notFound = (
  name: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = user,
): Case => ({
  name,
  path,
  opts: { method, headers },
  status: 404,
  code: 'not_found',
});
const destination = { name: 'Own', url: 'rtmp://ingest.example.test/app' };

export function broadcastBadInputCases(): Case[] {
  return [
    ...bodyCases('POST /api/broadcasts', '/api/broadcasts', good, user),
    create('gets one character', { characterIds: ['test-ada'] }),
    create('gets the same character twice', { characterIds: ['test-ada', 'test-ada'] }),
    create('gets six destinations', { destinations: Array.from({ length: 6 }, () => destination) }),
    create('gets an http destination', {
      destinations: [{ ...destination, url: 'http://example.test/live' }],
    }),
    create('gets a destination URL with credentials', {
      destinations: [{ ...destination, url: 'rtmp://me:pw@example.test/live' }],
    }),
    create('gets a stream key with a space', { twitch: { channel: 'troupe_test', streamKey: 'live 1' } }),
    create('gets a Twitch channel with a slash', { twitch: { channel: 'troupe/test' } }),
    create('gets an odd video width', { video: { width: 1279 } }),
    create('gets an unknown output', { output: 'ndi' }),
    create('gets a relationship with a stranger', {
      settings: { relationships: [{ from: 'test-ada', to: 'zed', kind: 'rival' }] },
    }),
    create('gets an autonomous cadence under 5 s', { autonomous: { enabled: true, cadenceMs: 10 } }),
    {
      name: 'POST /api/broadcasts is anonymous',
      path: '/api/broadcasts',
      opts: { body: good },
      status: 401,
      code: 'unauthorized',
    },
    notFound('GET /api/broadcasts/:id names an unknown broadcast', `/api/broadcasts/${OTHER_UUID}`),
    notFound('GET /api/broadcasts/:id gets a non-uuid id', '/api/broadcasts/12345'),
    notFound(
      'PATCH /api/broadcasts/:id names an unknown broadcast',
      `/api/broadcasts/${OTHER_UUID}`,
      'PATCH',
    ),
    notFound(
      'DELETE /api/broadcasts/:id names an unknown broadcast',
      `/api/broadcasts/${OTHER_UUID}`,
      'DELETE',
    ),
    notFound(
      'POST /api/broadcasts/:id/start names an unknown broadcast',
      `/api/broadcasts/${OTHER_UUID}/start`,
      'POST',
    ),
    notFound('POST /api/broadcasts/:id/stop gets a non-uuid id', '/api/broadcasts/nope/stop', 'POST'),
    notFound(
      'GET /api/broadcasts/:id/stage-token names an unknown broadcast',
      `/api/broadcasts/${OTHER_UUID}/stage-token`,
    ),
    {
      name: 'GET /api/internal/broadcasts/:id/output has no token',
      path: `/api/internal/broadcasts/${OTHER_UUID}/output`,
      opts: {},
      status: 401,
      code: 'unauthorized',
    },
    {
      name: 'GET /api/internal/broadcasts/:id/output has a user token',
      path: `/api/internal/broadcasts/${OTHER_UUID}/output`,
      opts: { headers: user },
      status: 401,
      code: 'unauthorized',
    },
    notFound(
      'GET /api/internal/broadcasts/:id/output names an unknown broadcast',
      `/api/internal/broadcasts/${OTHER_UUID}/output`,
      'GET',
      agent,
    ),
    ...bodyCases(
      'POST /api/internal/broadcasts/:id/status',
      `/api/internal/broadcasts/${OTHER_UUID}/status`,
      { status: 'live' },
      agent,
    ),
    {
      name: 'POST /api/internal/broadcasts/:id/status gets an unknown status',
      path: `/api/internal/broadcasts/${OTHER_UUID}/status`,
      opts: { body: { status: 'idle' }, headers: agent },
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'POST /api/internal/broadcasts/:id/status names an unknown broadcast',
      path: `/api/internal/broadcasts/${OTHER_UUID}/status`,
      opts: { body: { status: 'live' }, headers: agent },
      status: 404,
      code: 'not_found',
    },
  ];
}
