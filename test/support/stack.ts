import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type RunningApi, startApi } from '../../api/main.ts';
import { type ApiConfig, loadApiConfig } from '../../api/config.ts';
import { createLogger } from '../../api/logger.ts';
import {
  type RunningLivekitServer,
  freeTcpPort,
  killOnExit,
  projectRoot,
  startLivekitServer,
  stopChild,
} from '../../scripts/livekit-server.ts';
import { type TestDatabase, createMigratedTestDatabase } from '../../db/testing.ts';
import { agentEntry } from '../../scripts/build-agent.ts';

export interface StackOptions {
  /** Extra environment for the agent worker (turn-taking settings, provider URLs). */
  agentEnv: Record<string, string>;
  /** Extra environment for the API (e.g. WEB_DIST_DIR). */
  apiEnv: Record<string, string>;
  /** Where the API keeps its data. @defaultValue 'postgres' (a scratch database) */
  database: 'postgres' | 'pglite';
  /**
   * How the worker runs: `built` (plain JavaScript, as `npm start` runs it) or `tsx` (the
   * TypeScript sources transpiled at start, as before; benchmarks' baseline). @defaultValue 'built'
   */
  worker: 'built' | 'tsx';
}

/** An agent worker process and what it printed. */
export interface Worker {
  process: ChildProcess;
  /** Lines the worker and its jobs printed, for diagnosing a failure. */
  log: string[];
  stop(): Promise<void>;
}

export interface Stack {
  livekit: RunningLivekitServer;
  api: RunningApi;
  /** The first worker. */
  agent: ChildProcess;
  database: TestDatabase;
  /** Lines the first worker printed, for diagnosing a failure. */
  agentLog: string[];
  /** Another worker on the same server and API (scale-out, a worker dying). */
  addWorker(env?: Record<string, string>): Promise<Worker>;
  /** Stops the API (as if it crashed: nothing drains), resolving once it no longer answers. */
  stopApi(): Promise<void>;
  /** Starts the API again on the same port and database. */
  startApi(): Promise<void>;
  /** Stops livekit-server (every room goes with it) and starts it again on the same port and keys. */
  restartLivekit?(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole system on loopback, as `npm start` runs it: a real livekit-server on free ports, the
 * API in-process, and the agent worker as its own process (built, as `npm start` runs it), all on
 * their default settings unless a test names one. Resolves once the worker has registered.
 */
export async function startStack(opts: Partial<StackOptions> = {}): Promise<Stack> {
  const lk: { server: RunningLivekitServer } = { server: await startLivekitServer({ stdio: 'ignore' }) };
  const livekit = lk.server;
  // A part that fails to start takes down the parts started before it: none is left running.
  let database: TestDatabase | undefined;
  let config: ApiConfig;
  let holder: { api: RunningApi };
  try {
    database = await createMigratedTestDatabase(opts.database ?? 'postgres');
    const db = database;
    // A fixed port, so that a restarted API is where the worker reports.
    config = loadApiConfig({
      PORT: String(await freeTcpPort()),
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      LOG_LEVEL: 'warn',
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : { PGLITE_DIR: db.pgliteDir }),
      ...opts.apiEnv,
    });
    holder = { api: await startApi(config, { logger: createLogger(config) }) };
  } catch (err) {
    await Promise.all([livekit.stop(), database?.drop()]);
    throw err;
  }
  const workerEnv = (extra: Record<string, string> = {}) => ({
    LIVEKIT_URL: livekit.url,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    API_URL: holder.api.url,
    ...opts.agentEnv,
    ...extra,
  });
  const workers: Worker[] = [];
  const stop = async () => {
    // Nothing is asserted after this: the parts stop side by side (a worker whose API is gone stops
    // in ≈ 0.5 s instead of ≈ 5 s), then the server and the database go.
    await Promise.all([...workers.map((w) => w.stop()), holder.api.close()]);
    await Promise.all([lk.server.stop(), database.drop()]);
  };
  let first: Worker;
  try {
    first = await startWorker(workerEnv(), opts.worker);
    workers.push(first);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    get livekit() {
      return lk.server;
    },
    get api() {
      return holder.api;
    },
    agent: first.process,
    agentLog: first.log,
    addWorker: async (env) => {
      const worker = await startWorker(workerEnv(env), opts.worker);
      workers.push(worker);
      return worker;
    },
    stopApi: () => holder.api.close(),
    startApi: async () => {
      holder.api = await startApi(config, { logger: createLogger(config) });
    },
    restartLivekit: async () => {
      await lk.server.stop();
      lk.server = await startLivekitServer({
        stdio: 'ignore',
        port: Number(new URL(livekit.url).port),
        apiKey: livekit.apiKey,
        apiSecret: livekit.apiSecret,
      });
    },
    stop,
    database,
  };
}

/** Starts a built agent worker with `env` on top of this process's; resolves once it registered. */
export async function startWorker(
  env: Record<string, string>,
  mode: StackOptions['worker'] = 'built',
): Promise<Worker> {
  // The built worker, as `npm start` runs it (test/support/global-setup.ts builds it once per run).
  if (mode === 'built' && !existsSync(agentEntry))
    throw new Error(`the built agent worker is missing at ${agentEntry}: run \`npm run build:agent\``);
  const log: string[] = [];
  const args = mode === 'built' ? ['--enable-source-maps', agentEntry] : ['--import', 'tsx', 'agent/main.ts'];
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    env: {
      ...process.env,
      AGENT_HTTP_PORT: String(await freeTcpPort()),
      ...env,
      // The wait below reads the worker's "registered worker" line, logged at info.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  const registered = new Promise<void>((resolve, reject) => {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.push(line);
        if (log.length > 2000) log.shift();
        if (line.includes('registered worker')) resolve();
      });
    }
    child.once('exit', (code) =>
      reject(new Error(`agent worker exited with code ${code} before registering:\n${log.join('\n')}`)),
    );
  });
  const stop = () => stopChild(child, 15_000);
  try {
    await registered;
  } catch (err) {
    await stop();
    throw err;
  }
  return { process: child, log, stop };
}

/**
 * `promise`, or a rejection after `ms` that names `what` and shows the agent's last log lines:
 * every wait on the agent in an end-to-end test has a deadline that explains itself.
 */
export async function within<T>(stack: Stack, promise: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `no ${what} within ${ms} ms; the agent's last lines:\n${stack.agentLog.slice(-30).join('\n')}`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the next value `read` returns that satisfies `done`, polling an API every `everyMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, everyMs = 200, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

export { once };
