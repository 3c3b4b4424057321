import { fileURLToPath } from 'node:url';
import { AgentServer, ServerOptions, initializeLogger } from '@livekit/agents';
import { AGENT_NAME } from '../protocol/index.ts';
import { loadAgentConfigFromProcess } from './config.ts';

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

await server.run();
