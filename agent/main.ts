import { fileURLToPath } from 'node:url';
import { AgentServer, type JobRequest, ServerOptions, initializeLogger, log } from '@livekit/agents';
import { AGENT_NAME, type JobAcceptedReport } from '../protocol/index.ts';
import { ApiClient } from './api-client.ts';
import { loadAgentOptionsFromProcess } from './config.ts';
import { killChildren, settlesWithin } from './jobs/children.ts';
import { dispatchOf, watchJobs } from './jobs/watch.ts';
import { replaySpool } from './reporting/spool.ts';

/**
 * How long the worker waits, once its jobs have drained, for its job processes to close. A process
 * still starting (loading the VAD) does not answer the framework's shutdown request until its
 * start-up is over, which held a worker stopped just after it started for 15 s and more.
 */
const CLOSE_DEADLINE_MS = 3000;

/** How often the worker retries reports that finished jobs could not deliver. */
const SPOOL_REPLAY_INTERVAL_MS = 30_000;

// Entry point: registers the worker with livekit-server. Jobs run job.ts (job.js once built, which
// is what `npm start` and the tests run: no TypeScript is transpiled when a job process starts).
const options = loadAgentOptionsFromProcess();
initializeLogger({ pretty: false, level: options.logLevel });
const logger = log().child({ component: 'worker' });

const { maxJobs, idleProcesses, loadMeasure } = options.worker;
const api = ApiClient.forSecret(options.apiUrl, options.livekit.apiSecret);
const jobFile = new URL(import.meta.url.endsWith('.ts') ? './job.ts' : './job.js', import.meta.url);

const server = new AgentServer(
  new ServerOptions({
    agent: fileURLToPath(jobFile),
    agentName: AGENT_NAME,
    wsURL: options.livekit.url,
    apiKey: options.livekit.apiKey,
    apiSecret: options.livekit.apiSecret,
    host: options.worker.httpHost,
    port: options.worker.httpPort,
    numIdleProcesses: idleProcesses,
    ...(loadMeasure === 'jobs'
      ? {
          // Full at maxJobs running jobs: load 1 against a threshold of 1.
          loadFunc: async (worker: AgentServer) => Math.min(1, worker.activeJobs.length / maxJobs),
          loadThreshold: 1,
        }
      : { loadThreshold: options.worker.loadThreshold }),
    // A worker that is really full says so, and livekit-server offers the job to another worker
    // (or the API dispatches it again): the load it last reported may be up to a second old.
    requestFunc: async (req: JobRequest) => {
      if (server.activeJobs.length >= maxJobs) {
        logger.warn({ jobs: server.activeJobs.length, maxJobs }, 'worker full: job refused');
        await req.reject();
        return;
      }
      await req.accept();
      reportAccepted(req);
    },
    initializeProcessTimeout: options.worker.initTimeoutMs,
    production: true,
    logLevel: options.logLevel,
  }),
);
logger.info({ maxJobs, idleProcesses, loadMeasure, jobFile: jobFile.pathname }, 'worker capacity');

/**
 * Tells the API that this worker took the job: its process may take tens of seconds to start on a
 * busy machine, and the API waits for it instead of dispatching again. Best effort: without it the
 * API dispatches again after its join timeout, as before.
 */
function reportAccepted(req: JobRequest): void {
  const meta = dispatchOf(req.job.metadata);
  if (!meta) return;
  api
    .report(meta.sessionId, 'job-accepted', { jobId: req.id } satisfies JobAcceptedReport, 2000)
    .catch((err: unknown) => logger.debug({ err, jobId: req.id }, 'job acceptance not reported'));
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    server
      .drain(10_000)
      .catch(() => undefined)
      .then(() => settlesWithin(server.close(), CLOSE_DEADLINE_MS))
      .then((closed) => {
        if (closed) return;
        const killed = killChildren();
        logger.warn({ killed, deadlineMs: CLOSE_DEADLINE_MS }, 'job processes did not close in time: killed');
      })
      .finally(() => process.exit(0));
  });
}

// A job whose process vanishes (crashed, killed) is reported, so that the API takes the call up again.
watchJobs(server, { api, spoolDir: options.spoolDir, logger, stopping: () => stopping });

// Reports spooled by jobs that ended while the API was down: delivered at start, then periodically.
const spoolLogger = log().child({ component: 'spool' });
const replay = () =>
  replaySpool({ dir: options.spoolDir, api, logger: spoolLogger })
    .then((n) => n > 0 && spoolLogger.info({ delivered: n }, 'spooled reports delivered'))
    .catch((err: unknown) => spoolLogger.warn({ err }, 'spool replay failed'));
void replay();
setInterval(replay, SPOOL_REPLAY_INTERVAL_MS).unref();

await server.run();
