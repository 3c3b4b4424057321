import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { Supervisor, type ChildSpec, type SupervisorOptions } from './supervisor.ts';

// The supervisor behind `npm start` with real processes killed for real: a dead child comes back
// after a doubling backoff, is reported only once healthy, and nothing restarts after stop().

/**
 * A real node process that prints `ready` (its health check) and then idles; with `failing` it
 * exits with code 3 before it is ready.
 */
function childSpec(name: string, opts: { failing?: () => boolean } = {}) {
  const spawned: ChildProcess[] = [];
  const spec: ChildSpec = {
    name,
    stopGraceMs: 2000,
    spawn: async () => {
      const fail = opts.failing?.() ?? false;
      const script = fail ? 'process.exit(3)' : "console.log('ready'); setInterval(() => {}, 1000)";
      const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      spawned.push(child);
      const ready = new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (l) => l === 'ready' && resolve());
        child.once('exit', (code) =>
          reject(new Error(`${name} exited with code ${code} before it was ready`)),
        );
      });
      ready.catch(() => {});
      return { process: child, ready };
    },
  };
  return { spec, spawned, latest: () => spawned.at(-1)! };
}

interface Harness {
  supervisor: Supervisor;
  lines: string[];
  /** Resolves with the first line (already said or to come) matching `pattern`. */
  said(pattern: RegExp): Promise<string>;
  clock: { now: number };
}

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

function harness(opts: Partial<SupervisorOptions> = {}): Harness {
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (l: string) => void }> = [];
  const clock = { now: 1_000_000 };
  const supervisor = new Supervisor({
    initialBackoffMs: 50,
    maxBackoffMs: 200,
    stableAfterMs: 10_000,
    now: () => clock.now,
    say: (line) => {
      lines.push(line);
      for (const w of waiters.filter((x) => x.pattern.test(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    },
    ...opts,
  });
  current = supervisor;
  const said = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const seen = lines.find((l) => pattern.test(l));
      if (seen) resolve(seen);
      else waiters.push({ pattern, resolve });
    });
  return { supervisor, lines, said, clock };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((r) => child.once('exit', () => r()));

describe('Supervisor', () => {
  it('when a child is killed again and again, then each restart waits twice as long up to the cap, and each is reported once healthy', async () => {
    const { supervisor, said, lines } = harness();
    const worker = childSpec('worker');
    await supervisor.start(worker.spec);
    const waits: string[] = [];
    for (let restart = 1; restart <= 4; restart++) {
      const victim = worker.latest();
      victim.kill('SIGKILL');
      const line = await said(
        new RegExp(`worker exited \\(SIGKILL\\); restarting in ([\\d.]+ s) \\(restart ${restart}\\)`),
      );
      waits.push(/in ([\d.]+ s)/.exec(line)![1]!);
      await said(new RegExp(`worker is back and healthy \\(restart ${restart}\\)`));
      expect(worker.latest()).not.toBe(victim);
      expect(worker.latest().exitCode).toBeNull();
    }
    expect(waits).toEqual(['0.05 s', '0.1 s', '0.2 s', '0.2 s']);
    expect(lines.filter((l) => l.includes('did not come back'))).toEqual([]);
  });

  it('when a child stayed up longer than stableAfterMs before dying, then its backoff starts over', async () => {
    const { supervisor, said, clock } = harness();
    const worker = childSpec('worker');
    await supervisor.start(worker.spec);
    worker.latest().kill('SIGKILL');
    await said(/worker is back and healthy \(restart 1\)/);
    worker.latest().kill('SIGKILL');
    await said(/restarting in 0.1 s \(restart 2\)/);
    await said(/worker is back and healthy \(restart 2\)/);
    clock.now += 10_000;
    worker.latest().kill('SIGKILL');
    expect(await said(/restart 3\)/)).toBe('worker exited (SIGKILL); restarting in 0.05 s (restart 3)');
  });

  it('when a restarted child dies before it is healthy, then it says so and keeps trying with a longer wait', async () => {
    const { supervisor, said } = harness();
    let starts = 0;
    // Healthy at first, then two failed starts, then healthy again.
    const worker = childSpec('worker', { failing: () => ++starts === 2 || starts === 3 });
    await supervisor.start(worker.spec);
    worker.latest().kill('SIGKILL');
    await said(/worker did not come back: worker exited with code 3 before it was ready/);
    await said(/worker exited \(code 3\); restarting in 0.1 s \(restart 2\)/);
    await said(/worker exited \(code 3\); restarting in 0.2 s \(restart 3\)/);
    await said(/worker is back and healthy \(restart 3\)/);
    expect(starts).toBe(4);
  });

  it('when stop() is called during a backoff wait, then it returns without waiting it out and nothing is restarted', async () => {
    const { supervisor, said, lines } = harness({ initialBackoffMs: 600_000, maxBackoffMs: 600_000 });
    const worker = childSpec('worker');
    await supervisor.start(worker.spec);
    worker.latest().kill('SIGKILL');
    await said(/restarting in 600 s \(restart 1\)/);
    await supervisor.stop();
    expect(worker.spawned).toHaveLength(1);
    expect(lines.at(-1)).toBe('worker stopped');
  });

  it('when stop() is called, then every child is stopped, the last started first, and none is restarted', async () => {
    const { supervisor, lines } = harness();
    const first = childSpec('first');
    const second = childSpec('second');
    await supervisor.start(first.spec);
    await supervisor.start(second.spec);
    await supervisor.stop();
    await Promise.all([exited(first.latest()), exited(second.latest())]);
    expect(first.latest().signalCode).toBe('SIGTERM');
    expect(second.latest().signalCode).toBe('SIGTERM');
    expect(lines).toEqual(['second stopped', 'first stopped']);
    expect(first.spawned).toHaveLength(1);
    expect(second.spawned).toHaveLength(1);
  });

  it('when a child fails its first start, then start() rejects and it is not restarted', async () => {
    const { supervisor, lines } = harness();
    const worker = childSpec('worker', { failing: () => true });
    await expect(supervisor.start(worker.spec)).rejects.toThrow(/exited with code 3/);
    expect(worker.spawned).toHaveLength(1);
    expect(lines).toEqual([]);
  });
});
