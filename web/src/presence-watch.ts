import { ApiError } from './api.ts';
import {
  initialPresenceState,
  presenceView,
  reducePresence,
  wantsPoll,
  wantsTick,
} from './presence-state.ts';
import type {
  PresenceEvent,
  PresenceMember,
  PresenceState,
  PresenceView,
  RetryResult,
  SessionPresence,
} from './presence-state.ts';

/** Where a watch reads the session's presence and re-arms it (api-sessions.ts `presenceSource`). */
export interface PresenceSource {
  /** `GET /api/sessions/:id`. */
  read(): Promise<SessionPresence>;
  /** `POST /api/sessions/:id/retry`. */
  retry(): Promise<SessionPresence>;
}

export interface PresenceWatchOptions {
  /** How often the API is asked while a character is missing. @defaultValue 1500 */
  pollMs: number;
  /** How often the elapsed wait is redrawn. @defaultValue 500 */
  tickMs: number;
  /** The page's clock. @defaultValue Date.now */
  now: () => number;
}

export const defaultPresenceWatchOptions: PresenceWatchOptions = {
  pollMs: 1500,
  tickMs: 500,
  now: () => Date.now(),
};

function retryFailure(err: unknown): RetryResult {
  if (err instanceof ApiError && err.status === 409)
    return { ok: false, message: 'This call has already ended.', final: true };
  if (err instanceof ApiError && err.status === 404)
    return { ok: false, message: 'This call no longer exists.', final: true };
  return {
    ok: false,
    message: err instanceof Error ? err.message : 'The retry did not go through.',
    final: false,
  };
}

/**
 * The effects around the presence reducer for one page: it polls the API while a character is
 * missing (never once everyone is in, after the call, or after `dispose`), ticks the clock while a
 * wait is shown, and sends Retry. The room's joins and leaves come from the page's session object
 * (CallSession, GroupSession), which already watches the room.
 */
export class PresenceWatch {
  readonly #onChange: (view: PresenceView) => void;
  readonly #opts: PresenceWatchOptions;
  #state: PresenceState;
  #key: string | null = null;
  #source: PresenceSource | null = null;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #pollInFlight = false;
  /** Set when the API refused a poll in a way asking again will not change (401, 403, 404). */
  #pollRefused = false;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #disposed = false;

  constructor(
    cast: PresenceMember[],
    onChange: (view: PresenceView) => void,
    options: Partial<PresenceWatchOptions> = {},
  ) {
    this.#onChange = onChange;
    this.#opts = { ...defaultPresenceWatchOptions, ...options };
    this.#state = initialPresenceState(cast);
  }

  get state(): PresenceState {
    return this.#state;
  }

  get view(): PresenceView {
    return presenceView(this.#state);
  }

  /**
   * Begins watching the call `key` (its session id) in the room; again for the same call (after a
   * reconnect) changes nothing. With no source the page has no way to ask (a guest): it counts.
   */
  start(key: string, source: PresenceSource | null): void {
    if (this.#disposed || (this.#state.active && this.#key === key)) return;
    this.#key = key;
    this.#source = source;
    this.#pollRefused = false;
    this.#dispatch({ type: 'started', at: this.#opts.now() });
    // The first look is at once, not a poll period later: a reload may find the session failed.
    if (this.#pollTimer !== undefined) {
      clearTimeout(this.#pollTimer);
      this.#pollTimer = undefined;
      void this.#poll();
    }
  }

  /** The page left the room. */
  stop(): void {
    this.#dispatch({ type: 'stopped', at: this.#opts.now() });
  }

  joined(id: string): void {
    this.#dispatch({ type: 'joined', id, at: this.#opts.now() });
  }

  left(id: string): void {
    this.#dispatch({ type: 'left', id, at: this.#opts.now() });
  }

  /** Re-arms the failed session: the API dispatches again and the wait starts over. */
  retry(): void {
    const source = this.#source;
    if (source === null || this.#state.retrying) return;
    this.#dispatch({ type: 'retryClicked', at: this.#opts.now() });
    if (!this.#state.retrying) return;
    const key = this.#key;
    source
      .retry()
      .then((session): RetryResult => ({ ok: true, session }), retryFailure)
      .then((result) => {
        if (this.#key !== key) return;
        this.#pollRefused = false;
        this.#dispatch({ type: 'retryAnswered', result, at: this.#opts.now() });
      });
  }

  /** Stops every timer for good; answers still on their way are dropped. */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#pollTimer);
    clearInterval(this.#ticker);
    this.#pollTimer = undefined;
    this.#ticker = undefined;
  }

  #dispatch(event: PresenceEvent): void {
    if (this.#disposed) return;
    const before = this.#state;
    this.#state = reducePresence(before, event);
    this.#schedule();
    if (this.#state !== before) this.#onChange(presenceView(this.#state));
  }

  #schedule(): void {
    const poll = this.#source !== null && !this.#pollRefused && wantsPoll(this.#state);
    if (!poll) {
      clearTimeout(this.#pollTimer);
      this.#pollTimer = undefined;
    } else if (this.#pollTimer === undefined && !this.#pollInFlight) {
      this.#pollTimer = setTimeout(() => {
        this.#pollTimer = undefined;
        void this.#poll();
      }, this.#opts.pollMs);
    }
    const tick = wantsTick(this.#state);
    if (tick && this.#ticker === undefined)
      this.#ticker = setInterval(
        () => this.#dispatch({ type: 'tick', at: this.#opts.now() }),
        this.#opts.tickMs,
      );
    else if (!tick && this.#ticker !== undefined) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  async #poll(): Promise<void> {
    const source = this.#source;
    if (source === null || this.#pollInFlight || this.#disposed) return;
    const key = this.#key;
    const sentAt = this.#opts.now();
    this.#pollInFlight = true;
    try {
      const session = await source.read();
      this.#pollInFlight = false;
      if (this.#key === key) this.#dispatch({ type: 'polled', session, sentAt, at: this.#opts.now() });
    } catch (err) {
      this.#pollInFlight = false;
      // A network blip or a 5xx is asked again; a refusal would be refused again.
      if (err instanceof ApiError && !err.retryable && this.#key === key) this.#pollRefused = true;
    }
    if (!this.#disposed) this.#schedule();
  }
}
