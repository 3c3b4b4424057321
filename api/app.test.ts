import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createDb, type DbHandle } from '../db/client.ts';
import { asSeeded, createTestDatabase, dbKinds, testCharacters } from '../db/testing.ts';
import { Character, CharacterList, ErrorBody } from '../protocol/index.ts';
import { createApp } from './app.ts';
import { loadApiConfig } from './config.ts';
import { LogCapture, findLivekitPorts, send, startTestApi, type TestApi } from './testing.ts';

describe.each(dbKinds)('app against %s', (kind) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi(kind);
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('when the database answers, then /healthz is ok and names the driver', async () => {
    const res = await send(api.url, '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: kind });
  });

  it('when characters are listed, then every seeded character comes back, built-in ones first', async () => {
    const res = await send(api.url, '/api/characters');
    expect(res.status).toBe(200);
    const list = CharacterList.parse(res.body);
    expect(list.characters).toEqual(testCharacters.map(asSeeded));
  });

  it('when a character is fetched by id, then exactly that character is returned', async () => {
    const res = await send(api.url, '/api/characters/test-bob');
    expect(res.status).toBe(200);
    expect(Character.parse(res.body)).toEqual(asSeeded(testCharacters[1]!));
  });

  it('when a request carries a sane x-request-id, then the response and its log line carry it', async () => {
    const res = await send(api.url, '/api/characters', { headers: { 'x-request-id': 'trace-42.a' } });
    expect(res.headers.get('x-request-id')).toBe('trace-42.a');
    const line = api.logs.records.find((r) => (r.req as { id?: string } | undefined)?.id === 'trace-42.a');
    expect(line).toMatchObject({ msg: 'request completed', res: { statusCode: 200 } });
  });

  it('when a request carries no or a hostile x-request-id, then a fresh uuid is used', async () => {
    const none = await send(api.url, '/api/characters');
    const hostile = await send(api.url, '/api/characters', { headers: { 'x-request-id': 'a b\tc' } });
    for (const res of [none, hostile]) expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when any response is sent, then it does not advertise express', async () => {
    const res = await send(api.url, '/api/characters');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

/** A 503 database_unavailable with Retry-After, that does not say how the connection failed. */
function expectDatabaseUnavailable(res: Awaited<ReturnType<typeof send>>): void {
  expect(res.status).toBe(503);
  expect(ErrorBody.parse(res.body).error.code).toBe('database_unavailable');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(res.text).not.toContain('ECONNREFUSED');
}

describe('app when the database is unreachable', () => {
  let url: string;
  let close: () => Promise<void>;
  const logs = new LogCapture();
  beforeAll(async () => {
    const port = await findLivekitPorts(); // a free port: nothing answers there
    const db = await createDb({ databaseUrl: `postgres://postgres@127.0.0.1:${port}/none` });
    ({ url, close } = await listen(db, logs));
  });
  afterAll(async () => {
    await close?.();
  });

  it('when /healthz cannot query, then it is 503 database_unavailable with Retry-After, without internals', async () => {
    expectDatabaseUnavailable(await send(url, '/healthz'));
  });

  it('when a route cannot reach the database, then it is 503 database_unavailable with Retry-After, and the cause is logged', async () => {
    expectDatabaseUnavailable(await send(url, '/api/characters'));
    const line = logs.records.find((r) => (r.res as { statusCode?: number } | undefined)?.statusCode === 503);
    expect(line).toMatchObject({ err: { stack: expect.stringContaining('ECONNREFUSED') } });
  });
});

describe('app when a query fails for a reason a retry cannot fix', () => {
  let url: string;
  let close: () => Promise<void>;
  const logs = new LogCapture();
  beforeAll(async () => {
    // A database that answers but was never migrated: every query names a table that is not there.
    const target = await createTestDatabase('postgres');
    const db = await createDb({ databaseUrl: target.databaseUrl });
    const server = await listen(db, logs);
    url = server.url;
    close = async () => {
      await server.close();
      await target.drop();
    };
  });
  afterAll(async () => {
    await close?.();
  });

  it('when a route fails unexpectedly, then it is 500 internal with no stack, and the stack is logged', async () => {
    const res = await send(url, '/api/characters');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'internal error' } });
    const line = logs.records.find((r) => (r.res as { statusCode?: number } | undefined)?.statusCode === 500);
    expect(line).toMatchObject({ level: 50, err: { stack: expect.stringContaining('does not exist') } });
  });
});

/** The app on 127.0.0.1:0 over `db`, logging into `logs`. */
async function listen(db: DbHandle, logs: LogCapture): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp({ db, config: loadApiConfig({}), logger: pino({ level: 'info' }, logs.stream) });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await db.close();
    },
  };
}
