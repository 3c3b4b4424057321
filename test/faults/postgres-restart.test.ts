import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../../api/config.ts';
import { startApi, type RunningApi } from '../../api/main.ts';
import { characterInput, LogCapture, send } from '../../api/testing.ts';
import { testCharacters } from '../../db/testing.ts';
import { ErrorBody } from '../../protocol/index.ts';
import { freeTcpPort } from '../../scripts/livekit-server.ts';
import { signUp, type SignedUp } from '../support/auth.ts';

// Postgres restarted under a running API: while it is down every request is answered 503
// `database_unavailable` with Retry-After (never a 500, never a crash), /healthz says so, and once
// it is back the same API process serves requests again without being restarted.

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A throwaway PostgreSQL 15 cluster in a temporary directory, on a port of its own. */
class TestCluster {
  private constructor(
    readonly port: number,
    private readonly dataDir: string,
    private readonly asUser: string[],
  ) {}

  /** initdb into a temporary directory and start it. As root, runs as `postgres` (initdb refuses root). */
  static async create(): Promise<TestCluster> {
    if (!existsSync(join(PG_BIN, 'initdb')))
      throw new Error(
        `this test needs Debian's PostgreSQL 15 server binaries in ${PG_BIN} (apt-get install postgresql-15)`,
      );
    const root = mkdtempSync(join(tmpdir(), 'troupe-pg-'));
    let asUser: string[] = [];
    if (process.getuid?.() === 0) {
      // initdb and postgres refuse to run as root: hand the directory to the postgres account.
      let ids: { uid: number; gid: number };
      try {
        const [uid, gid] = await Promise.all(['-u', '-g'].map((f) => run('id', [f, 'postgres'])));
        ids = { uid: Number(uid!.stdout), gid: Number(gid!.stdout) };
      } catch (err) {
        throw new Error(
          'these tests run as root, where initdb refuses to run, and there is no `postgres` account to run it as ' +
            `(create one, or run the tests as an ordinary user): ${String(err)}`,
        );
      }
      chownSync(root, ids.uid, ids.gid);
      chmodSync(root, 0o700);
      asUser = ['runuser', '-u', 'postgres', '--'];
    }
    const cluster = new TestCluster(await freeTcpPort(), root, asUser);
    await cluster.pg('initdb', [
      '-D',
      cluster.data,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    await cluster.start();
    return cluster;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get data(): string {
    return join(this.dataDir, 'data');
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dataDir} -c listen_addresses=127.0.0.1`;
    await this.pg('pg_ctl', ['-D', this.data, '-o', options, '-l', join(this.dataDir, 'log'), '-w', 'start']);
  }

  /** `pg_ctl stop -m fast`: rolls back open transactions and ends every connection with 57P01. */
  async stop(): Promise<void> {
    await this.pg('pg_ctl', ['-D', this.data, '-m', 'fast', '-w', 'stop']);
  }

  async remove(): Promise<void> {
    await this.stop().catch(() => {});
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async pg(tool: string, args: string[]): Promise<void> {
    const [command, ...rest] = [...this.asUser, join(PG_BIN, tool), ...args];
    try {
      await run(command!, rest, { cwd: this.dataDir });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr || e.message}`, { cause: err });
    }
  }
}

/** The API's answer to a request made while the database is down. */
function expectDatabaseUnavailable(res: Awaited<ReturnType<typeof send>>, what: string): void {
  expect(res.status, `${what}: ${res.text}`).toBe(503);
  expect(ErrorBody.parse(res.body).error).toMatchObject({
    code: 'database_unavailable',
    message: expect.any(String),
  });
  expect(Number(res.headers.get('retry-after')), `${what}: Retry-After`).toBeGreaterThan(0);
}

describe('API when Postgres restarts under it', () => {
  let cluster: TestCluster;
  let api: RunningApi;
  let owner: SignedUp;
  const logs = new LogCapture();
  // Anything thrown or rejected with no handler: with the API in this process, a crash lands here.
  const escaped: unknown[] = [];
  const onEscape = (err: unknown) => escaped.push(err);

  beforeAll(async () => {
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
    cluster = await TestCluster.create();
    const config = loadApiConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: cluster.url,
      LOG_LEVEL: 'info',
      // Every request in this file comes from one address; the limiter is not what is tested.
      RATE_LIMIT_PER_MINUTE: '0',
      AUTH_RATE_LIMIT_PER_MINUTE: '0',
    });
    api = await startApi(config, {
      logger: pino({ level: 'info' }, logs.stream),
      characters: testCharacters,
    });
    owner = await signUp(api.url);
  });
  afterAll(async () => {
    await api?.close();
    await cluster?.remove();
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
  });

  const listCharacters = () => send(api.url, '/api/characters', { headers: owner.headers });
  const me = () => send(api.url, '/api/auth/me', { headers: owner.headers });
  const createCharacter = (name: string) =>
    send(api.url, '/api/characters', { headers: owner.headers, body: characterInput(name) });

  it('when the database is up, then reads and writes succeed', async () => {
    expect((await listCharacters()).status).toBe(200);
    expect((await me()).status).toBe(200);
    expect((await createCharacter('Before')).status).toBe(201);
    expect((await send(api.url, '/healthz')).status).toBe(200);
  });

  it('when Postgres shuts down while requests are in flight, then each is answered 2xx or 503 in the error shape, never 500', async () => {
    const answers: Array<Awaited<ReturnType<typeof send>>> = [];
    let stopped = false;
    const traffic = (async () => {
      // Requests keep coming until the server is down, so some are in flight as it goes away.
      while (!stopped)
        answers.push(...(await Promise.all([listCharacters(), me(), createCharacter('During')])));
    })();
    await cluster.stop();
    stopped = true;
    await traffic;
    expect(answers.length).toBeGreaterThan(0);
    for (const res of answers) {
      if (res.status < 300) continue;
      expectDatabaseUnavailable(res, 'a request made while Postgres was stopping');
    }
  });

  it('when Postgres is down, then every request gets 503 database_unavailable with Retry-After, /healthz too, and the process lives', async () => {
    expectDatabaseUnavailable(await listCharacters(), 'GET /api/characters');
    expectDatabaseUnavailable(await me(), 'GET /api/auth/me');
    expectDatabaseUnavailable(await createCharacter('While down'), 'POST /api/characters');
    expectDatabaseUnavailable(await send(api.url, '/healthz'), 'GET /healthz');
    expect(
      logs.records.some((r) => (r.res as { statusCode?: number } | undefined)?.statusCode === 500),
      'no request was answered 500',
    ).toBe(false);
    expect(escaped).toEqual([]);
  });

  it('when Postgres is started again, then the same API process serves reads and writes again', async () => {
    await cluster.start();
    expect((await send(api.url, '/healthz')).status).toBe(200);
    expect((await listCharacters()).status).toBe(200);
    expect((await me()).status).toBe(200);
    const created = await createCharacter('After');
    expect(created.status, created.text).toBe(201);
    // Nothing was lost or half-written: the characters made before and after the restart are there.
    const names = ((await listCharacters()).body as { characters: Array<{ name: string }> }).characters.map(
      (c) => c.name,
    );
    expect(names).toEqual(expect.arrayContaining(['Before', 'After']));
    expect(escaped).toEqual([]);
  });
});
