import { fileURLToPath } from 'node:url';
import { AgentServer, ServerOptions, initializeLogger, log } from '@livekit/agents';
import { AGENT_NAME } from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import { loadAgentConfigFromProcess } from './config.ts';
import { replaySpool } from './reporting/spool.ts';

/** How often the worker retries reports that finished jobs could not deliver. */
const SPOOL_REPLAY_INTERVAL_MS = 30_000;

// Entry point: registers the worker with livekit-server. Jobs run agent/job.ts in forked processes.
const config = loadAgentConfigFromProcess();
initializeLogger({ pretty: false, level: config.LOG_LEVEL });

const server = new AgentServer(
  new ServerOptions({
    agent: fileURLToPath(new URL('./job.ts', import.meta.url)),
    agentName: AGENT_NAME,
    wsURL: config.LIVEKIT_URL,
    apiKey: config.LIVEKIT_API_KEY,
    apiSecret: config.LIVEKIT_API_SECRET,
    host: config.AGENT_HTTP_HOST,
    port: config.AGENT_HTTP_PORT,
    numIdleProcesses: config.AGENT_IDLE_PROCESSES,
    loadThreshold: config.AGENT_LOAD_THRESHOLD,
    ...(config.AGENT_LOAD_MEASURE === 'jobs'
      ? {
          loadFunc: async (worker: AgentServer) =>
            Math.min(1, worker.activeJobs.length / config.AGENT_MAX_JOBS),
        }
      : {}),
    initializeProcessTimeout: config.AGENT_INIT_TIMEOUT_MS,
    production: true,
    logLevel: config.LOG_LEVEL,
  }),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    server
      .drain(10_000)
      .catch(() => undefined)
      .then(() => server.close())
      .finally(() => process.exit(0));
  });
}

// Reports spooled by jobs that ended while the API was down: delivered at start, then periodically.
const logger = log().child({ component: 'spool' });
const replay = () =>
  replaySpool({
    dir: config.AGENT_SPOOL_DIR,
    apiUrl: config.API_URL,
    token: agentApiToken(config.LIVEKIT_API_SECRET),
    logger,
  })
    .then((n) => n > 0 && logger.info({ delivered: n }, 'spooled reports delivered'))
    .catch((err: Error) => logger.warn({ err: err.message }, 'spool replay failed'));
void replay();
setInterval(replay, SPOOL_REPLAY_INTERVAL_MS).unref();

await server.run();
