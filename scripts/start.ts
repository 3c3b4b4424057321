import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { agentEntry, agentIsBuilt, buildAgent } from './build-agent.ts';
import { clearStamp, filesBelow, isFresh, writeStamp } from './build-stamp.ts';
import { projectRoot, spawnLivekitServer } from './livekit-server.ts';
import { Supervisor, type ChildSpec } from './supervisor.ts';

// `npm start`: livekit-server (unless LIVEKIT_URL points elsewhere), the API, the agent worker and
// the built web client, on embedded defaults. A child that dies is restarted (scripts/supervisor.ts);
// Ctrl-C stops them all.

const envFile = join(projectRoot, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

function say(line: string): void {
  process.stdout.write(`[troupe] ${line}\n`);
}

const supervisor = new Supervisor({ say });
let shuttingDown: Promise<never> | undefined;

function shutdown(exitCode: number): Promise<never> {
  shuttingDown ??= supervisor.stop().then(() => process.exit(exitCode));
  return shuttingDown;
}

function prefixOutput(name: string, child: ChildProcess): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
}

/** A node child of this project (`node ...args`), healthy once `healthUrl` answers 2xx. */
function nodeChild(name: string, what: string, args: string[], healthUrl: string, env: NodeJS.ProcessEnv) {
  return {
    name,
    spawn: async () => {
      const child = spawn(process.execPath, args, {
        cwd: projectRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      prefixOutput(name, child);
      return { process: child, ready: waitForHealth(what, healthUrl, child, 120_000) };
    },
  } satisfies ChildSpec;
}

async function waitForHealth(
  name: string,
  url: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the ${name} exited during start-up (see its output above)`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the ${name} did not become healthy at ${url} within ${timeoutMs} ms`);
}

/** What the web build reads: the client, the protocol it imports, the packages (by their lock). */
const webInputs = () => [...filesBelow(['web', 'protocol'], ['web/dist']), 'package-lock.json'];
/** Kept beside the bundles, not in web/dist, which the API serves to anyone. */
const webStamp = join(projectRoot, 'dist', 'web-build-inputs.json');

function buildWebClient(): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const vite = spawn(
      process.execPath,
      [
        join(projectRoot, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'web/vite.config.ts',
        '--logLevel',
        'warn',
      ],
      { cwd: projectRoot, stdio: 'inherit' },
    );
    vite.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`web build failed with code ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!supervisor.stopping) say(`${signal}: stopping`);
      void shutdown(0);
    });
  }

  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!env.LIVEKIT_URL) {
    say('starting livekit-server (dev mode, livekit.yaml)');
    const configPath = join(projectRoot, 'livekit.yaml');
    let url = '';
    await supervisor.start({
      name: 'livekit-server',
      spawn: async () => {
        const server = await spawnLivekitServer({ configPath, port: 7880, log: say });
        url = server.url;
        return server;
      },
    });
    Object.assign(env, { LIVEKIT_URL: url, LIVEKIT_API_KEY: 'devkey', LIVEKIT_API_SECRET: 'secret' });
  } else {
    say(`using the LiveKit server at ${env.LIVEKIT_URL}`);
  }

  // Built again only when their sources changed since the last start.
  if (isFresh(webStamp, webInputs())) say('the web client is up to date');
  else {
    say('building the web client');
    clearStamp(webStamp);
    const inputs = webInputs();
    await buildWebClient();
    writeStamp(webStamp, inputs);
  }
  // Plain JavaScript, so that a job process starts in well under a second (no tsx at job start).
  if (agentIsBuilt()) say('the agent worker is up to date');
  else {
    say('building the agent worker');
    await buildAgent();
  }

  const port = env.PORT ?? '3000';
  const host = env.HOST ?? '127.0.0.1';
  const apiUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  env.API_URL ??= apiUrl;
  await supervisor.start(
    nodeChild('api', 'API', ['--import', 'tsx', 'api/main.ts'], `${apiUrl}/healthz`, env),
  );
  // The worker's health server answers 200 once it is connected to livekit-server.
  const agentHealth = `http://${env.AGENT_HTTP_HOST ?? '127.0.0.1'}:${env.AGENT_HTTP_PORT ?? '8081'}/`;
  await supervisor.start(
    nodeChild('agent', 'agent worker', ['--enable-source-maps', agentEntry], agentHealth, env),
  );
  say(`ready: open ${apiUrl} (Ctrl-C stops everything)`);
}

main().catch((err: Error) => {
  if (supervisor.stopping) return;
  say(err.message);
  void shutdown(1);
});
