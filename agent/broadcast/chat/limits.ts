// Bounded per-key state for the chat router: token buckets and "seen recently" windows. A flood
// of new names must not grow memory without bound, so both maps forget what no longer matters
// (a refilled bucket, an expired window) and, past a hard cap, forget their oldest keys first.

/** A token bucket: `burst` tokens, one more every `refillMs`. */
export interface BucketSpec {
  /** Tokens available at once. */
  burst: number;
  /** Milliseconds to earn one token back. */
  refillMs: number;
}

/** Token buckets per key, on a caller's clock. A full bucket is not stored: it is the default. */
export class TokenBuckets {
  readonly #spec: BucketSpec;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(spec: BucketSpec, maxKeys: number) {
    this.#spec = spec;
    this.#maxKeys = maxKeys;
  }

  /** Takes one token for `key` at `now`; false when the bucket is empty. */
  take(key: string, now: number): boolean {
    const { burst, refillMs } = this.#spec;
    const entry = this.#buckets.get(key);
    let tokens = burst;
    if (entry) tokens = Math.min(burst, entry.tokens + (now - entry.at) / refillMs);
    if (tokens < 1) return false;
    // Re-insert so Map order is least-recently-used first.
    this.#buckets.delete(key);
    this.#buckets.set(key, { tokens: tokens - 1, at: now });
    this.#trim(now);
    return true;
  }

  get size(): number {
    return this.#buckets.size;
  }

  #trim(now: number): void {
    if (this.#buckets.size <= this.#maxKeys) return;
    const { burst, refillMs } = this.#spec;
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) / refillMs >= burst) this.#buckets.delete(key);
    }
    // Still over: the least recently used keys get a fresh bucket next time (the cap is the
    // memory bound; it only matters with more distinct chatters than the cap inside one refill).
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxKeys) break;
      this.#buckets.delete(key);
    }
  }
}

/** Keys seen within a window, each forgotten `windowMs` after it was last seen. */
export class SeenWindow {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #until = new Map<string, number>();

  constructor(windowMs: number, maxKeys: number) {
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** True if `key` was seen within the window before `now`; records it either way. */
  seen(key: string, now: number): boolean {
    const until = this.#until.get(key);
    const hit = until !== undefined && until > now;
    this.#until.delete(key);
    this.#until.set(key, now + this.#windowMs);
    if (this.#until.size > this.#maxKeys) this.#trim(now);
    return hit;
  }

  get size(): number {
    return this.#until.size;
  }

  #trim(now: number): void {
    // Map order is last-seen order, so expired keys are at the front.
    for (const [key, until] of this.#until) {
      if (until > now && this.#until.size <= this.#maxKeys) break;
      this.#until.delete(key);
    }
  }
}
