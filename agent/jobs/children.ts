import { readFileSync, readdirSync } from 'node:fs';

/**
 * The pids of this process's children (Linux: /proc/<pid>/task/<tid>/children); empty elsewhere.
 * The framework keeps its job processes to itself, so this is how a worker finds the ones it must
 * stop when closing them politely did not finish in time.
 */
export function childPids(pid = process.pid): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** Kills every child of this process; returns how many there were. */
export function killChildren(signal: NodeJS.Signals = 'SIGKILL'): number {
  const pids = childPids();
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  return pids.length;
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}
