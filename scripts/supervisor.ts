import type { ChildProcess } from 'node:child_process';
import { stopChild } from './livekit-server.ts';

/** One process the supervisor keeps running. */
export interface ChildSpec {
  /** How the output names it: `api`, `agent`, `livekit-server`. */
  name: string;
  /**
   * Starts the process. `ready` resolves once it answers its health check and rejects if it exits
   * first or never does; the supervisor stops a process whose `ready` rejected.
   */
  spawn(): Promise<{ process: ChildProcess; ready: Promise<void> }>;
  /** How long it gets after SIGTERM before SIGKILL. @defaultValue 12000 */
  stopGraceMs?: number;
}

export interface SupervisorOptions {
  /** Wait before the first restart of a child; doubles on each restart after. @defaultValue 1000 */
  initialBackoffMs: number;
  /** @defaultValue 30000 */
  maxBackoffMs: number;
  /** A child that stayed up this long before dying is restarted after `initialBackoffMs` again. @defaultValue 60000 */
  stableAfterMs: number;
  /** Where the supervisor's own lines go. @defaultValue a line on stdout prefixed `[troupe]` */
  say: (line: string) => void;
  /** The clock that tells how long a child stayed up, in epoch milliseconds. @defaultValue Date.now */
  now: () => number;
}

export const defaultSupervisorOptions: SupervisorOptions = {
  initialBackoffMs: 1000,
  maxBackoffMs: 30_000,
  stableAfterMs: 60_000,
  say: (line) => process.stdout.write(`[troupe] ${line}\n`),
  now: Date.now,
};

interface Child {
  spec: ChildSpec;
  process?: ChildProcess;
  /** Resolves with how the current process ended. */
  exited?: Promise<string>;
  startedAt: number;
  restarts: number;
  backoffMs: number;
}

/** Thrown by a launch that `stop()` overtook. */
class Stopping extends Error {}

/**
 * Keeps named children running: a child that dies is started again after a backoff (1 s doubling
 * to 30 s by default, back to 1 s once it has stayed up a while) and is reported back only once it
 * is healthy. `stop()` stops them all in reverse order of start, and no restart happens after it.
 */
export class Supervisor {
  readonly #opts: SupervisorOptions;
  readonly #children: Child[] = [];
  #stopping = false;
  /** Wakes every backoff wait when stop() is called. */
  readonly #stopped = new AbortController();

  constructor(opts: Partial<SupervisorOptions> = {}) {
    this.#opts = { ...defaultSupervisorOptions, ...opts };
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Starts a child and waits until it is healthy; rejects if it is not (nothing is restarted then). */
  async start(spec: ChildSpec): Promise<void> {
    const child: Child = { spec, startedAt: 0, restarts: 0, backoffMs: this.#opts.initialBackoffMs };
    this.#children.push(child);
    await this.#launch(child);
    void this.#supervise(child);
  }

  /** Stops every child, the last started first. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#stopped.abort();
    for (const child of [...this.#children].reverse()) {
      if (!child.process) continue;
      await stopChild(child.process, child.spec.stopGraceMs ?? 12_000);
      this.#opts.say(`${child.spec.name} stopped`);
    }
  }

  async #launch(child: Child): Promise<void> {
    const { process, ready } = await child.spec.spawn();
    child.process = process;
    child.startedAt = this.#opts.now();
    child.exited = new Promise((resolve) => {
      const describe = () => process.signalCode ?? `code ${process.exitCode}`;
      if (process.exitCode !== null || process.signalCode !== null) resolve(describe());
      else process.once('exit', () => resolve(describe()));
    });
    if (this.#stopping) {
      await stopChild(process, child.spec.stopGraceMs ?? 12_000);
      throw new Stopping(`${child.spec.name} was started while stopping`);
    }
    try {
      await ready;
    } catch (err) {
      await stopChild(process, child.spec.stopGraceMs ?? 12_000);
      throw err;
    }
  }

  async #supervise(child: Child): Promise<void> {
    const { name } = child.spec;
    const { say, now, initialBackoffMs, maxBackoffMs, stableAfterMs } = this.#opts;
    for (;;) {
      const how = await child.exited!;
      if (this.#stopping) return;
      if (now() - child.startedAt >= stableAfterMs) child.backoffMs = initialBackoffMs;
      const waitMs = child.backoffMs;
      child.backoffMs = Math.min(waitMs * 2, maxBackoffMs);
      child.restarts++;
      say(`${name} exited (${how}); restarting in ${seconds(waitMs)} (restart ${child.restarts})`);
      if (!(await this.#wait(waitMs))) return;
      try {
        await this.#launch(child);
        say(`${name} is back and healthy (restart ${child.restarts})`);
      } catch (err) {
        if (err instanceof Stopping || this.#stopping) return;
        say(`${name} did not come back: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Resolves true after `ms`, false at once if stop() is called first. */
  #wait(ms: number): Promise<boolean> {
    const signal = this.#stopped.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}
