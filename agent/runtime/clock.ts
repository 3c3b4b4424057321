// Time for the floor controller: a clock to read and a scheduler to be woken by. The controller
// never calls setTimeout itself, so tests drive it on a manual clock with no real timers.

/** Milliseconds on a monotonic clock; every `at` given to the controller is on this clock. */
export interface FloorClock {
  now(): number;
}

/** Calls `fn` once at `atMs` (or as soon as possible after); returns a cancel function. */
export interface FloorScheduler {
  schedule(atMs: number, fn: () => void): () => void;
}

/** `performance.now()` and `setTimeout`: what the group job uses. */
export const systemClock: FloorClock & FloorScheduler = {
  now: () => performance.now(),
  schedule(atMs, fn) {
    const timer = setTimeout(fn, Math.max(0, atMs - performance.now()));
    return () => clearTimeout(timer);
  },
};

/** A clock that only moves when told to; due timers fire in time order as it passes them. */
export class ManualClock implements FloorClock, FloorScheduler {
  #now: number;
  #timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  #seq = 0;

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  schedule(atMs: number, fn: () => void): () => void {
    const timer = { at: atMs, seq: (this.#seq += 1), fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves to `atMs`, firing every timer due on the way at its own time. */
  advanceTo(atMs: number): void {
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= atMs).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
    }
    this.#now = Math.max(this.#now, atMs);
  }

  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }
}
