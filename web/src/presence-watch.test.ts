import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './api.ts';
import type { PresenceView, SessionPresence } from './presence-state.ts';
import { PresenceWatch } from './presence-watch.ts';
import type { PresenceSource } from './presence-watch.ts';

const waiting: SessionPresence = {
  status: 'created',
  agent: { state: 'waiting', attempts: 1, waitingSince: '2025-01-01T00:00:00.000Z', reason: null },
};
const failed: SessionPresence = {
  status: 'failed',
  agent: { state: 'failed', attempts: 4, waitingSince: null, reason: 'No agent worker took the call.' },
};

/** A scriptable stand-in for the API: answers each read with the next scripted presence. */
function fakeSource(answers: Array<SessionPresence | Error>, retry: () => Promise<SessionPresence>) {
  const source: PresenceSource & { reads: number; retries: number } = {
    reads: 0,
    retries: 0,
    read() {
      const a = answers[Math.min(source.reads, answers.length - 1)];
      source.reads += 1;
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a as SessionPresence);
    },
    retry() {
      source.retries += 1;
      return retry();
    },
  };
  return source;
}

describe('PresenceWatch', () => {
  let views: PresenceView[];
  const last = (): PresenceView | undefined => views[views.length - 1];
  beforeEach(() => {
    vi.useFakeTimers();
    views = [];
  });
  afterEach(() => vi.useRealTimers());

  const watch = () =>
    new PresenceWatch([{ id: 'june', name: 'June' }], (v) => views.push(v), {
      pollMs: 1000,
      tickMs: 500,
      now: () => Date.now(),
    });

  it('when started, then it asks at once and every poll period until the character joins, then never again', async () => {
    const source = fakeSource([waiting], () => Promise.resolve(waiting));
    const w = watch();
    w.start('s1', source);
    await vi.advanceTimersByTimeAsync(0);
    expect(source.reads).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(source.reads).toBe(4);
    expect(last()).toMatchObject({ phase: 'waiting', elapsed: '3 s' });
    w.joined('june');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(source.reads).toBe(4);
    expect(last()?.phase).toBe('hidden');
    w.dispose();
  });

  it('when the session fails, then polling stops; Retry re-arms it and polling resumes', async () => {
    let answerRetry: (p: SessionPresence) => void = () => undefined;
    const source = fakeSource([waiting, failed, waiting], () => new Promise((r) => (answerRetry = r)));
    const w = watch();
    w.start('s1', source);
    await vi.advanceTimersByTimeAsync(1000);
    expect(last()).toMatchObject({ phase: 'failed', canRetry: true });
    await vi.advanceTimersByTimeAsync(5000);
    expect(source.reads).toBe(2);

    w.retry();
    w.retry();
    expect(source.retries).toBe(1);
    expect(last()?.phase).toBe('retrying');
    answerRetry(waiting);
    await vi.advanceTimersByTimeAsync(0);
    expect(last()).toMatchObject({ phase: 'waiting', elapsed: '0 s' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(source.reads).toBe(3);
    w.dispose();
  });

  it('when Retry answers 409, then the page says the call ended and stops asking', async () => {
    const source = fakeSource([failed], () =>
      Promise.reject(new ApiError('conflict', 'the session has ended', 409)),
    );
    const w = watch();
    w.start('s1', source);
    await vi.advanceTimersByTimeAsync(0);
    w.retry();
    await vi.advanceTimersByTimeAsync(0);
    expect(last()).toMatchObject({
      phase: 'ended',
      message: 'This call has already ended.',
      canRetry: false,
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(source.reads).toBe(1);
    w.dispose();
  });

  it('when a poll fails on the network, then it asks again; when refused, then it stops asking', async () => {
    const flaky = fakeSource([new ApiError('network', 'down', 0), waiting], () => Promise.resolve(waiting));
    const a = watch();
    a.start('s1', flaky);
    await vi.advanceTimersByTimeAsync(2000);
    expect(flaky.reads).toBe(3);
    a.dispose();

    const refused = fakeSource([new ApiError('forbidden', 'not yours', 403)], () => Promise.resolve(waiting));
    const b = watch();
    b.start('s2', refused);
    await vi.advanceTimersByTimeAsync(5000);
    expect(refused.reads).toBe(1);
    // The wait is still counted on the page.
    expect(last()).toMatchObject({ phase: 'waiting', elapsed: '5 s' });
    b.dispose();
  });

  it('when the page goes away, then no timer is left and no answer is applied', async () => {
    const source = fakeSource([waiting], () => Promise.resolve(waiting));
    const w = watch();
    w.start('s1', source);
    w.dispose();
    const seen = views.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(views.length).toBe(seen);
    expect(source.reads).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('when the room reconnects (started again for the same call), then the wait is not reset', async () => {
    const source = fakeSource([waiting], () => Promise.resolve(waiting));
    const w = watch();
    w.start('s1', source);
    await vi.advanceTimersByTimeAsync(4000);
    w.start('s1', source);
    expect(w.view.elapsed).toBe('4 s');
    w.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(vi.getTimerCount()).toBe(0);
    w.dispose();
  });
});
