import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './config.ts';

function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: projectRoot,
    // Empty values count as set, so a developer's .env cannot point the test at another database.
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr };
}

describe('api/main.ts', () => {
  it('when started with PGlite in memory, then it prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const { child, stderr } = runMain({
      PORT: '0',
      PGLITE_DIR: 'memory://',
      LIVEKIT_URL: 'ws://127.0.0.1:9',
    });
    const exited = once(child, 'exit');
    let url: string | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (url) break;
    }
    expect(url, stderr()).toBeDefined();
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'pglite' });
    const characters = (await (await fetch(`${url}/api/characters`)).json()) as { characters: unknown[] };
    expect(characters.characters.length).toBeGreaterThanOrEqual(12);
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code, stderr()).toBe(0);
  });

  it('when a variable is malformed, then it exits 1 with a message naming the variable', async () => {
    const { child, stderr } = runMain({ PORT: 'not-a-port' });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr()).toContain('PORT');
  });
});
