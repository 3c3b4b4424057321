import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { childPids, killChildren, settlesWithin } from './children.ts';

describe('a worker stopping its job processes', () => {
  it('when this process has a child, then it is listed and killed', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await once(child, 'spawn');
    expect(childPids()).toContain(child.pid);
    const exited = once(child, 'exit');
    expect(killChildren()).toBeGreaterThanOrEqual(1);
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');
    expect(childPids()).not.toContain(child.pid);
  });

  it('when a promise settles in time, then true; when it does not, then false', async () => {
    expect(await settlesWithin(Promise.reject(new Error('closed badly')), 1000)).toBe(true);
    expect(await settlesWithin(new Promise(() => {}), 20)).toBe(false);
  });
});
