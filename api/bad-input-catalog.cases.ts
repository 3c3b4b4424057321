// Rows of the bad-input table (api/bad-input.test.ts) for the catalog, publishing, cloning, the
// session list's filters and analytics.
import { bodyCases, OTHER_UUID, row, user, type Case } from './bad-input.cases.ts';

const garbageCursor = Buffer.from('["name","x"]').toString('base64url');

const get = (name: string, path: string, status: number, code: Case['code'], signedIn = true): Case => ({
  name,
  path,
  opts: signedIn ? { headers: user } : {},
  status,
  code,
});

export function catalogBadInputCases(): Case[] {
  return [
    // GET /api/characters
    get(
      'GET /api/characters gets an unknown parameter',
      '/api/characters?sortt=name',
      400,
      'validation_failed',
    ),
    get('GET /api/characters gets limit=0', '/api/characters?limit=0', 400, 'validation_failed'),
    get('GET /api/characters gets limit=abc', '/api/characters?limit=abc', 400, 'validation_failed'),
    get('GET /api/characters gets an unknown sort', '/api/characters?sort=best', 400, 'validation_failed'),
    get('GET /api/characters gets an unknown scope', '/api/characters?scope=x', 400, 'validation_failed'),
    get('GET /api/characters gets q twice', '/api/characters?q=a&q=b', 400, 'validation_failed'),
    get(
      'GET /api/characters gets a cursor that is not base64 JSON',
      '/api/characters?cursor=%25%25',
      400,
      'bad_request',
    ),
    get(
      'GET /api/characters gets a cursor of another sort',
      `/api/characters?sort=newest&cursor=${garbageCursor}`,
      400,
      'bad_request',
    ),
    get(
      'GET /api/characters?scope=mine has no token',
      '/api/characters?scope=mine',
      401,
      'unauthorized',
      false,
    ),
    get('GET /api/characters gets a NUL in q', '/api/characters?q=a%00b', 400, 'validation_failed'),
    get('GET /api/characters gets a NUL in a tag', '/api/characters?tag=a%00', 400, 'validation_failed'),
    // POST /api/characters/:id/publish, /unpublish, /clone
    {
      name: 'POST /api/characters/:id/publish gets fields',
      path: '/api/characters/test-ada/publish',
      opts: { body: { visibility: 'public' }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    row(
      'POST /api/characters/:id/unpublish targets a built-in character',
      '/api/characters/test-ada/unpublish',
      { method: 'POST', headers: user },
      403,
      'forbidden',
    ),
    row(
      'POST /api/characters/:id/publish names an unknown character',
      '/api/characters/nobody/publish',
      { method: 'POST', headers: user },
      404,
      'not_found',
    ),
    row(
      'POST /api/characters/:id/publish has no token',
      '/api/characters/test-ada/publish',
      { method: 'POST' },
      401,
      'unauthorized',
    ),
    ...bodyCases('POST /api/characters/:id/clone', '/api/characters/test-ada/clone', { name: 'Copy' }, user),
    {
      name: 'POST /api/characters/:id/clone gets an 81-character name',
      path: '/api/characters/test-ada/clone',
      opts: { body: { name: 'x'.repeat(81) }, headers: user },
      status: 400,
      code: 'validation_failed',
    },
    row(
      'POST /api/characters/:id/clone names an unknown character',
      '/api/characters/nobody/clone',
      { method: 'POST', headers: user },
      404,
      'not_found',
    ),
    row(
      'POST /api/characters/:id/clone has no token',
      '/api/characters/test-ada/clone',
      { method: 'POST' },
      401,
      'unauthorized',
    ),
    // GET /api/sessions
    get('GET /api/sessions gets an unknown parameter', '/api/sessions?page=2', 400, 'validation_failed'),
    get('GET /api/sessions gets an unknown status', '/api/sessions?status=done', 400, 'validation_failed'),
    get(
      'GET /api/sessions gets a date that is not ISO',
      '/api/sessions?from=monday',
      400,
      'validation_failed',
    ),
    get(
      'GET /api/sessions gets from after to',
      '/api/sessions?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z',
      400,
      'bad_request',
    ),
    get(
      'GET /api/sessions gets a forged cursor',
      `/api/sessions?cursor=${garbageCursor}`,
      400,
      'bad_request',
    ),
    get(
      'GET /api/sessions names another owner, as a user',
      `/api/sessions?ownerId=${OTHER_UUID}`,
      403,
      'forbidden',
    ),
    get('GET /api/sessions gets a NUL in q', '/api/sessions?q=%00', 400, 'validation_failed'),
    get('GET /api/sessions has no token', '/api/sessions', 401, 'unauthorized', false),
    // Analytics
    get(
      'GET /api/analytics/me gets an unknown parameter',
      '/api/analytics/me?days=7',
      400,
      'validation_failed',
    ),
    get(
      'GET /api/analytics/me gets a range over 366 days',
      '/api/analytics/me?from=2030-01-01T00:00:00Z&to=2031-06-01T00:00:00Z',
      400,
      'bad_request',
    ),
    get(
      'GET /api/analytics/me gets from after to',
      '/api/analytics/me?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z',
      400,
      'bad_request',
    ),
    get('GET /api/analytics/me has no token', '/api/analytics/me', 401, 'unauthorized', false),
    get(
      'GET /api/analytics/characters/:id names an unknown character',
      '/api/analytics/characters/nobody',
      404,
      'not_found',
    ),
    get(
      'GET /api/analytics/characters/:id gets an id that is not a slug',
      '/api/analytics/characters/Not%20A%20Slug',
      404,
      'not_found',
    ),
    get(
      'GET /api/analytics/owners/:ownerId is asked by a user',
      `/api/analytics/owners/${OTHER_UUID}`,
      403,
      'forbidden',
    ),
  ];
}
