import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { projectRoot, startLivekitServer, stopChild, type RunningLivekitServer } from './livekit-server.ts';

// `npm start`: livekit-server (unless LIVEKIT_URL points elsewhere), the API, the agent worker and
// the built web client, on embedded defaults. Ctrl-C stops them all; a child that dies stops the rest.

const envFile = join(projectRoot, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

const children: Array<{ name: string; child: ChildProcess }> = [];
let livekit: RunningLivekitServer | undefined;
let stopping = false;

function say(line: string): void {
  process.stdout.write(`[troupe] ${line}\n`);
}

function prefixOutput(name: string, child: ChildProcess): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  }
}

function run(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  prefixOutput(name, child);
  children.push({ name, child });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
    void shutdown(1);
  });
  return child;
}

async function shutdown(exitCode: number): Promise<never> {
  stopping = true;
  for (const { name, child } of [...children].reverse()) {
    await stopChild(child, 12_000);
    say(`${name} stopped`);
  }
  if (livekit) {
    await livekit.stop();
    say('livekit-server stopped');
  }
  process.exit(exitCode);
}

async function waitForHealth(
  name: string,
  url: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the ${name} exited during start-up (see its output above)`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the ${name} did not become healthy at ${url} within ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!stopping) {
        say(`${signal}: stopping`);
        void shutdown(0);
      }
    });
  }

  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!env.LIVEKIT_URL) {
    say('starting livekit-server (dev mode, livekit.yaml)');
    livekit = await startLivekitServer({ configPath: join(projectRoot, 'livekit.yaml'), port: 7880 });
    livekit.process.once('exit', (code) => {
      if (!stopping) {
        say(`livekit-server exited unexpectedly (code ${code}); stopping everything`);
        void shutdown(1);
      }
    });
    Object.assign(env, { LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: 'devkey', LIVEKIT_API_SECRET: 'secret' });
  } else {
    say(`using the LiveKit server at ${env.LIVEKIT_URL}`);
  }

  say('building the web client');
  await new Promise<void>((resolve, reject) => {
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
      {
        cwd: projectRoot,
        stdio: 'inherit',
      },
    );
    vite.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`web build failed with code ${code}`)),
    );
  });

  const port = env.PORT ?? '3000';
  const host = env.HOST ?? '127.0.0.1';
  const apiUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  env.API_URL ??= apiUrl;
  const api = run('api', ['--import', 'tsx', 'api/main.ts'], env);
  await waitForHealth('API', `${apiUrl}/healthz`, api, 120_000);
  const agent = run('agent', ['--import', 'tsx', 'agent/main.ts'], env);
  // The worker's health server answers 200 once it is connected to livekit-server.
  const agentHealth = `http://${env.AGENT_HTTP_HOST ?? '127.0.0.1'}:${env.AGENT_HTTP_PORT ?? '8081'}/`;
  await waitForHealth('agent worker', agentHealth, agent, 120_000);
  say(`ready: open ${apiUrl} (Ctrl-C stops everything)`);
}

main().catch((err: Error) => {
  say(err.message);
  void shutdown(1);
});
