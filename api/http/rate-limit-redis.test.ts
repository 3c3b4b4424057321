import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testCharacters, type TestDatabase } from '../../db/testing.ts';
import { ErrorBody } from '../../protocol/index.ts';
import { freeTcpPort } from '../../scripts/livekit-server.ts';
import { loadApiConfig } from '../config.ts';
import { startApi, type RunningApi } from '../server.ts';
import { LogCapture, send } from '../testing.ts';

// Rate limits with REDIS_URL, against the machine's real Redis: API replicas share one budget, and
// a Redis that goes away lets requests through (never a 500) until it is back and counting again.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIMIT = 5;

let database: TestDatabase;
const running: RunningApi[] = [];
const prefixes: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase('postgres');
});
afterEach(async () => {
  for (const api of running.splice(0)) await api.close();
});
afterAll(async () => {
  await database?.drop();
  // The counters expire with their window; removing them keeps the shared Redis tidy at once.
  const redis = await createClient({ url: REDIS_URL }).connect();
  for (const prefix of prefixes)
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` }))
      if (keys.length) await redis.del(keys);
  await redis.close();
});

/** A fresh key prefix: each test counts in its own corner of Redis. */
function uniquePrefix(): string {
  const prefix = `troupe-test:${randomUUID()}:`;
  prefixes.push(prefix);
  return prefix;
}

/** One API replica over the shared test database, limited to LIMIT requests a minute. */
async function replica(redisUrl: string, keyPrefix: string, logs = new LogCapture()): Promise<RunningApi> {
  const config = loadApiConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.databaseUrl,
    LOG_LEVEL: 'debug',
    REDIS_URL: redisUrl,
    RATE_LIMIT_PER_MINUTE: String(LIMIT),
  });
  const api = await startApi(config, {
    logger: pino({ level: 'debug' }, logs.stream),
    characters: testCharacters,
    shutdownGraceMs: 1000,
    rateLimitKeyPrefix: keyPrefix,
  });
  running.push(api);
  return api;
}

const list = (api: RunningApi) => send(api.url, '/api/characters');

/** Resolves once a log line matches `pattern` (the capture is polled: pino writes no events). */
async function logged(logs: LogCapture, pattern: RegExp): Promise<void> {
  while (!logs.lines.some((l) => pattern.test(l))) await new Promise((r) => setTimeout(r, 50));
}

/** A TCP proxy to the real Redis that can be cut (Redis "down") and restored on the same port. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private constructor(readonly port: number) {}

  static async start(): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(await freeTcpPort());
    await proxy.restore();
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restore(): Promise<void> {
    const target = new URL(REDIS_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => this.sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  /** Stops listening and drops every connection, as a Redis that went away. */
  async cut(): Promise<void> {
    const closed = new Promise((r) => this.server?.close(r));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe('rate limits shared through Redis', () => {
  it('when two API replicas share REDIS_URL and a key prefix, then they share one budget', async () => {
    const prefix = uniquePrefix();
    const [a, b] = [await replica(REDIS_URL, prefix), await replica(REDIS_URL, prefix)];
    for (let i = 0; i < 3; i++) expect((await list(a!)).status).toBe(200);
    const fourth = await list(b!);
    expect(fourth.status).toBe(200);
    // The second replica sees the first one's three hits: one left after its own.
    expect(fourth.headers.get('ratelimit')).toMatch(/; r=1;/);
    expect((await list(b!)).status).toBe(200);
    const limited = await list(b!);
    expect(limited.status).toBe(429);
    expect(ErrorBody.parse(limited.body).error.code).toBe('rate_limited');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await list(a!)).status).toBe(429);

    // The counter is in Redis, under the prefix.
    const redis = await createClient({ url: REDIS_URL }).connect();
    try {
      const keys: string[] = [];
      for await (const batch of redis.scanIterator({ MATCH: `${prefix}*` })) keys.push(...batch);
      expect(keys).toContain(`${prefix}api:ip:127.0.0.1`);
    } finally {
      await redis.close();
    }
  });

  it('when replicas use different key prefixes, then each counts on its own', async () => {
    const a = await replica(REDIS_URL, uniquePrefix());
    const b = await replica(REDIS_URL, uniquePrefix());
    for (let i = 0; i < LIMIT; i++) expect((await list(a)).status).toBe(200);
    expect((await list(a)).status).toBe(429);
    expect((await list(b)).status).toBe(200);
  });

  it('when Redis goes away, then requests go through unlimited with a warning, and the shared count resumes once it is back', async () => {
    const proxy = await CuttableProxy.start();
    const logs = new LogCapture();
    const api = await replica(proxy.url, uniquePrefix(), logs);
    for (let i = 0; i < 2; i++) expect((await list(api)).status).toBe(200);

    await proxy.cut();
    await logged(logs, /redis unreachable: rate limits are not enforced/);
    // More than the limit, and every one answered: fail open, not 500 and not 429.
    for (let i = 0; i < LIMIT * 2; i++) expect((await list(api)).status).toBe(200);
    await logged(logs, /rate limit store failed: request let through without a limit/);
    const warning = logs.records.find(
      (r) => r.msg === 'rate limit store failed: request let through without a limit',
    );
    expect(warning).toMatchObject({ level: 40, limiter: 'api' });
    expect(logs.records.filter((r) => (r.level as number) >= 50)).toEqual([]);

    await proxy.restore();
    await logged(logs, /redis reachable again: rate limits are enforced/);
    // The two hits from before the outage still count; those let through during it did not.
    for (let i = 0; i < LIMIT - 2; i++) expect((await list(api)).status).toBe(200);
    expect((await list(api)).status).toBe(429);
    await proxy.cut();
  });

  it('when Redis is unreachable at start, then the API starts, says so, lets requests through, and limits once Redis is up', async () => {
    const proxy = await CuttableProxy.start();
    await proxy.cut();
    const logs = new LogCapture();
    const api = await replica(proxy.url, uniquePrefix(), logs);
    expect(logs.lines.some((l) => l.includes('redis unreachable: rate limits are not enforced'))).toBe(true);
    for (let i = 0; i < LIMIT + 1; i++) expect((await list(api)).status).toBe(200);
    expect((await send(api.url, '/healthz')).status).toBe(200);

    // Regression: the stock store kept the script load that failed at start, so it never limited again.
    await proxy.restore();
    await logged(logs, /redis reachable again: rate limits are enforced/);
    for (let i = 0; i < LIMIT; i++) expect((await list(api)).status).toBe(200);
    expect((await list(api)).status).toBe(429);
    await proxy.cut();
  });
});
