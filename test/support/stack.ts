import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { type RunningApi, startApi } from '../../api/main.ts';
import { loadApiConfig } from '../../api/config.ts';
import { createLogger } from '../../api/logger.ts';
import {
  type RunningLivekitServer,
  freeTcpPort,
  killOnExit,
  projectRoot,
  startLivekitServer,
  stopChild,
} from '../../scripts/livekit-server.ts';
import { type TestDatabase, createTestDatabase } from '../../db/testing.ts';

export interface StackOptions {
  /** Extra environment for the agent worker (turn-taking settings, provider URLs). */
  agentEnv: Record<string, string>;
  /** Extra environment for the API (e.g. WEB_DIST_DIR). */
  apiEnv: Record<string, string>;
  /** Where the API keeps its data. @defaultValue 'postgres' (a scratch database) */
  database: 'postgres' | 'pglite';
}

export interface Stack {
  livekit: RunningLivekitServer;
  api: RunningApi;
  agent: ChildProcess;
  database?: TestDatabase;
  /** Lines the agent worker printed, for diagnosing a failure. */
  agentLog: string[];
  stop(): Promise<void>;
}

/**
 * The whole system on loopback, as `npm start` runs it: a real livekit-server on free ports, the
 * API in-process on port 0, and the agent worker as its own process. Resolves once the worker
 * has registered with the server.
 */
export async function startStack(opts: Partial<StackOptions> = {}): Promise<Stack> {
  const livekit = await startLivekitServer({ stdio: 'ignore' });
  const database =
    (opts.database ?? 'postgres') === 'postgres' ? await createTestDatabase('postgres') : undefined;
  const config = loadApiConfig({
    PORT: '0',
    LIVEKIT_URL: livekit.url,
    LIVEKIT_API_KEY: livekit.apiKey,
    LIVEKIT_API_SECRET: livekit.apiSecret,
    LOG_LEVEL: 'warn',
    ...(database?.databaseUrl ? { DATABASE_URL: database.databaseUrl } : { PGLITE_DIR: 'memory://' }),
    ...opts.apiEnv,
  });
  const api = await startApi(config, { logger: createLogger(config) });

  const agentLog: string[] = [];
  const agent = spawn(process.execPath, ['--import', 'tsx', 'agent/main.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      API_URL: api.url,
      AGENT_HTTP_PORT: String(await freeTcpPort()),
      // Tests share two cores with each other (and with Chromium): a busy machine must slow a job
      // down, not make livekit-server drop it, which it does when the worker reports a CPU load of 1.
      AGENT_LOAD_MEASURE: 'jobs',
      AGENT_MAX_JOBS: '8',
      AGENT_INIT_TIMEOUT_MS: '60000',
      ...opts.agentEnv,
      // The wait below reads the worker's "registered worker" line, logged at info.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(agent);
  const registered = new Promise<void>((resolve, reject) => {
    for (const stream of [agent.stdout!, agent.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        agentLog.push(line);
        if (agentLog.length > 2000) agentLog.shift();
        if (line.includes('registered worker')) resolve();
      });
    }
    agent.once('exit', (code) =>
      reject(new Error(`agent worker exited with code ${code} before registering:\n${agentLog.join('\n')}`)),
    );
  });
  const stop = async () => {
    await stopChild(agent, 15_000);
    await api.close();
    await livekit.stop();
    await database?.drop();
  };
  try {
    await registered;
  } catch (err) {
    await stop();
    throw err;
  }
  return { livekit, api, agent, agentLog, stop, ...(database ? { database } : {}) };
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
