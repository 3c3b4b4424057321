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
// it prints the URL when everything is up, Ctrl-C stops every child, and a dying child is reported.

let livekit: RunningLivekitServer;
beforeAll(async () => {
  livekit = await startLivekitServer({ stdio: 'ignore' });
});
afterAll(async () => livekit?.stop());

interface Started {
  child: ChildProcess;
  lines: string[];
  url: string;
  /** Resolves with the first output line matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
}

async function npmStart(): Promise<Started> {
  const port = await freeTcpPort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: livekit.apiKey,
      LIVEKIT_API_SECRET: livekit.apiSecret,
      PORT: String(port),
      PGLITE_DIR: 'memory://',
      AGENT_HTTP_PORT: String(await freeTcpPort()),
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
  return { child, lines, line, url: /open (http:\/\/\S+)/.exec(ready)![1]! };
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', r));
}

describe('npm start', () => {
  it('when everything is up, then the printed URL serves the web client and a healthy API, and Ctrl-C stops it all', async () => {
    const started = await npmStart();
    try {
      expect((await fetch(`${started.url}/healthz`)).status).toBe(200);
      const page = await fetch(started.url);
      expect(page.headers.get('content-type')).toContain('text/html');
      const children = execFileSync('pgrep', ['-P', String(started.child.pid)])
        .toString()
        .trim()
        .split('\n');
      expect(children.length).toBeGreaterThanOrEqual(2);

      started.child.kill('SIGINT');
      expect(await exitCode(started.child)).toBe(0);
      expect(started.lines.join('\n')).toMatch(/agent stopped[\s\S]*api stopped/);
      // Gone within a moment of npm start exiting (the kernel reaps them just after their parent).
      const alive = () => children.filter((pid) => existsSync(`/proc/${pid}`));
      const deadline = Date.now() + 5_000;
      while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(alive()).toEqual([]);
    } finally {
      await stopChild(started.child);
    }
  });

  it('when a child dies, then npm start names it and stops the rest with a failure code', async () => {
    const started = await npmStart();
    try {
      const agentPid = execFileSync('pgrep', ['-P', String(started.child.pid), '-f', 'agent/main.ts'])
        .toString()
        .trim();
      process.kill(Number(agentPid), 'SIGKILL');
      await started.line(/agent exited unexpectedly/);
      expect(await exitCode(started.child)).toBe(1);
    } finally {
      await stopChild(started.child);
    }
  });
});
