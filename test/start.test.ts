import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningLivekitServer,
  freeTcpPort,
  projectRoot,
  startLivekitServer,
  stopChild,
} from '../scripts/livekit-server.ts';

// `npm start` as a user runs it (against a test livekit-server, so the default ports stay free):
// it prints the URL when everything is up, Ctrl-C stops every child, and a child that dies is
// reported and restarted.

let livekit: RunningLivekitServer;
beforeAll(async () => {
  livekit = await startLivekitServer({ stdio: 'ignore' });
});
afterAll(async () => livekit?.stop());

interface Started {
  child: ChildProcess;
  lines: string[];
  url: string;
  /** The agent worker's health URL. */
  agentHealth: string;
  /** Resolves with the first output line matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
}

async function npmStart(): Promise<Started> {
  const port = await freeTcpPort();
  const agentPort = await freeTcpPort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      PORT: String(port),
      PGLITE_DIR: 'memory://',
      AGENT_HTTP_PORT: String(agentPort),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (l: string) => void }> = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (l) => {
      lines.push(l);
      for (const w of waiters.filter((x) => x.pattern.test(l))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    });
  }
  const line = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) return resolve(seen);
      waiters.push({ pattern, resolve });
      child.once('exit', (code) =>
        reject(new Error(`npm start exited (${code}) before printing ${pattern}:\n${lines.join('\n')}`)),
      );
    });
  const ready = await line(/\[troupe\] ready: open (http:\/\/\S+)/);
  return {
    child,
    lines,
    line,
    url: /open (http:\/\/\S+)/.exec(ready)![1]!,
    agentHealth: `http://127.0.0.1:${agentPort}/`,
  };
}

/** The pid of npm start's child running `script`. */
function childPid(parent: ChildProcess, script: string): number {
  return Number(
    execFileSync('pgrep', ['-P', String(parent.pid), '-f', script])
      .toString()
      .trim(),
  );
}

/** The pids of `parent`'s children, now. */
function childPids(parent: ChildProcess): string[] {
  return execFileSync('pgrep', ['-P', String(parent.pid)])
    .toString()
    .trim()
    .split('\n');
}

/** Every one of `pids` gone within a moment of npm start exiting (the kernel reaps them just after their parent). */
async function expectAllGone(pids: string[]): Promise<void> {
  const alive = () => pids.filter((pid) => existsSync(`/proc/${pid}`));
  const deadline = Date.now() + 5_000;
  while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(alive()).toEqual([]);
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', r));
}

describe('npm start', () => {
  // One start for both checks: bringing the API and the worker up is most of this file's time.
  it('when everything is up, then the printed URL serves the web client and a healthy API; the agent and then the API, killed, are each restarted and healthy; Ctrl-C stops it all', async () => {
    const started = await npmStart();
    try {
      expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
      const page = await fetch(started.url);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(childPids(started.child).length).toBeGreaterThanOrEqual(2);
      expect(started.lines.join('\n')).not.toContain('restarting');

      const agentPid = childPid(started.child, 'dist/agent/main.js');
      process.kill(agentPid, 'SIGKILL');
      await started.line(/\[troupe\] agent exited \(SIGKILL\); restarting in 1 s \(restart 1\)/);
      await started.line(/\[troupe\] agent is back and healthy \(restart 1\)/);
      expect((await fetch(started.agentHealth)).status).toBe(200);
      expect(childPid(started.child, 'dist/agent/main.js')).not.toBe(agentPid);

      process.kill(childPid(started.child, 'api/main.ts'), 'SIGKILL');
      await started.line(/\[troupe\] api exited \(SIGKILL\); restarting in 1 s \(restart 1\)/);
      await started.line(/\[troupe\] api is back and healthy \(restart 1\)/);
      expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
      expect(started.child.exitCode).toBeNull();

      const children = childPids(started.child);
      started.child.kill('SIGINT');
      expect(await exitCode(started.child)).toBe(0);
      const output = started.lines.join('\n');
      expect(output).toMatch(/agent stopped[\s\S]*api stopped/);
      // Children that exit because they were told to stop are not restarted.
      expect(output.match(/restarting in/g)).toHaveLength(2);
      await expectAllGone(children);
    } finally {
      await stopChild(started.child);
    }
  });
});
