import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { freeTcpPort } from '../scripts/livekit-server.ts';
import { createDb, type DbHandle } from './client.ts';
import { isDatabaseUnavailable } from './errors.ts';
import { testPostgresAdminUrl } from './testing.ts';

// The errors the `postgres` driver really raises when the server is away, each produced for real
// (a refused port, a backend terminated mid-query, a proxy that cuts the socket, a server that says
// it is starting up), and the ones that must not be taken for an outage.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The rejection of `p` (a test fails if it resolves). */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the query to fail');
}

function open(url: string, opts: postgres.Options<Record<string, never>> = {}) {
  const client = postgres(url, { max: 1, onnotice: () => {}, ...opts });
  cleanups.push(() => client.end({ timeout: 1 }));
  return { client, db: drizzle(client) };
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((r) => server.close(r)));
  return (server.address() as AddressInfo).port;
}

/** A URL like the test server's, on another port of 127.0.0.1. */
function viaPort(port: number): string {
  const url = new URL(testPostgresAdminUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.toString();
}

/**
 * A TCP proxy to the test Postgres that calls `onQuery` with both sockets once the client has
 * sent a query containing `marker`, so a test can cut the connection exactly mid-query.
 */
async function proxy(marker: string, onQuery: (client: Socket, server: Socket) => void): Promise<number> {
  const target = new URL(testPostgresAdminUrl);
  const sockets: Socket[] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.push(client, upstream);
    for (const s of [client, upstream]) s.on('error', () => {});
    upstream.pipe(client);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (chunk.includes(marker)) onQuery(client, upstream);
    });
    client.on('close', () => upstream.destroy());
  });
  const port = await listen(server);
  cleanups.push(async () => sockets.forEach((s) => s.destroy()));
  return port;
}

/** A Postgres ErrorResponse message, as the server writes it. */
function errorResponse(sqlState: string, message: string): Buffer {
  const fields = Buffer.concat([
    ...[
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', sqlState],
      ['M', message],
    ].map(([k, v]) => Buffer.from(`${k}${v}\0`)),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/** Resolves once backend `pid` is running a query (polled, as Postgres has no event for it). */
async function untilActive(admin: postgres.Sql, pid: number): Promise<void> {
  while ((await admin`select 1 from pg_stat_activity where pid = ${pid} and state = 'active'`).length === 0)
    await new Promise((r) => setTimeout(r, 20));
}

describe('database errors that mean the database is unavailable', () => {
  it('when nothing listens on the port, then ECONNREFUSED (through Drizzle, raw, and in a transaction) is unavailable', async () => {
    const { client, db } = open(viaPort(await freeTcpPort()));
    const viaDrizzle = await failure(db.execute(sql`select 1`));
    const raw = await failure(client`select 1`);
    const inTransaction = await failure(db.transaction(async (tx) => tx.execute(sql`select 1`)));
    for (const err of [viaDrizzle, raw, inTransaction]) {
      expect(isDatabaseUnavailable(err), String(err)).toBe(true);
    }
    expect((viaDrizzle as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('when the backend is terminated mid-query (57P01, as at `pg_ctl stop -m fast`), then it is unavailable', async () => {
    const { client, db } = open(testPostgresAdminUrl);
    const admin = open(testPostgresAdminUrl).client;
    const [row] = await client`select pg_backend_pid() as pid`;
    const pid = Number(row!.pid);
    const running = failure(db.execute(sql`select pg_sleep(30)`));
    await untilActive(admin, pid);
    await admin`select pg_terminate_backend(${pid})`;
    const err = await running;
    expect((err as Error).cause).toMatchObject({ code: '57P01' });
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    { how: 'closed', code: 'CONNECTION_CLOSED', drop: (client: Socket) => client.end() },
    { how: 'reset', code: 'ECONNRESET', drop: (client: Socket) => client.resetAndDestroy() },
  ])('when the socket is $how mid-query, then $code is unavailable', async ({ code, drop }) => {
    const port = await proxy('pg_sleep', (client, server) => {
      server.destroy();
      drop(client);
    });
    const { db } = open(viaPort(port));
    const err = await failure(db.execute(sql`select pg_sleep(30)`));
    expect((err as Error).cause).toMatchObject({ code });
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('when the server says it is starting up (57P03), then it is unavailable', async () => {
    const server = createServer((socket) => {
      socket.once('data', () => socket.end(errorResponse('57P03', 'the database system is starting up')));
    });
    const { db } = open(viaPort(await listen(server)));
    const err = await failure(db.execute(sql`select 1`));
    expect((err as Error).cause).toMatchObject({ code: '57P03', name: 'PostgresError' });
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('when the server accepts but never answers, then CONNECT_TIMEOUT is unavailable', async () => {
    const silent: Socket[] = [];
    const server = createServer((socket) => silent.push(socket));
    const port = await listen(server);
    // Before the server's close, which waits for its connections.
    cleanups.push(async () => silent.forEach((s) => s.destroy()));
    const { db } = open(viaPort(port), { connect_timeout: 1 });
    const err = await failure(db.execute(sql`select 1`));
    expect((err as Error).cause).toMatchObject({ code: 'CONNECT_TIMEOUT' });
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('when the pool was ended, then CONNECTION_ENDED is unavailable', async () => {
    const { client, db } = open(testPostgresAdminUrl);
    await client.end();
    const err = await failure(db.execute(sql`select 1`));
    expect((err as Error).cause).toMatchObject({ code: 'CONNECTION_ENDED' });
    expect(isDatabaseUnavailable(err)).toBe(true);
  });
});

describe('database errors that a retry cannot fix', () => {
  it('when a query is wrong or fails on its data, then it is not unavailable', async () => {
    const { db } = open(testPostgresAdminUrl);
    const syntax = await failure(db.execute(sql`select from where`));
    const missing = await failure(db.execute(sql`select * from no_such_table_here`));
    const division = await failure(db.execute(sql`select 1 / 0`));
    await db.execute(sql`create temporary table once_only (x int primary key)`);
    await db.execute(sql`insert into once_only values (1)`);
    const duplicate = await failure(db.execute(sql`insert into once_only values (1)`));
    for (const err of [syntax, missing, division, duplicate])
      expect(isDatabaseUnavailable(err), String(err)).toBe(false);
  });

  it('when another server refuses a connection, then it is not taken for the database', async () => {
    const err = await failure(fetch(`http://127.0.0.1:${await freeTcpPort()}/embeddings`));
    expect((err as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});

describe('the API pool after a backend is terminated', () => {
  let handle: DbHandle | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  // Regression: the driver kept the dead backend's 57P01 and failed the next connection's first
  // query with it, so the API answered 503 once more after the database was back.
  it('when a backend dies mid-query, then the next query on the pool succeeds', async () => {
    handle = await createDb({ databaseUrl: testPostgresAdminUrl, maxConnections: 1 });
    const admin = open(testPostgresAdminUrl).client;
    const pidRows = (await handle.db.execute(sql`select pg_backend_pid() as pid`)) as unknown as Array<{
      pid: number;
    }>;
    const pid = Number(pidRows[0]!.pid);
    const running = failure(handle.db.execute(sql`select pg_sleep(30)`));
    await untilActive(admin, pid);
    await admin`select pg_terminate_backend(${pid})`;
    expect(isDatabaseUnavailable(await running)).toBe(true);
    const after = (await handle.db.execute(sql`select 42 as answer`)) as unknown as Array<{ answer: number }>;
    expect(after[0]?.answer).toBe(42);
  });
});
