import type { Random } from '../conversation/group/choice.ts';
import { systemClock, type FloorClock, type FloorScheduler } from './clock.ts';

/** What a reducer-driven controller is made of; the loop supplies dispatching, timers and listeners. */
export interface ReducerLoopSpec<S, E, F> {
  /** One event in, the next state and the effects it asks for out. Pure. */
  reduce(state: S, event: E): { state: S; effects: F[] };
  /** When the state next needs a `tick` (a threshold, a timeout); null for never. */
  deadline(state: S): number | null;
  /** The event dispatched at a deadline. */
  tick: E;
  scheduler: FloorScheduler;
  /** Errors thrown while the loop ran on its own timer (there is no caller to throw them to). */
  onError(error: unknown): void;
  /** After each reduction, before its effects reach the listeners. */
  afterReduce?(state: S): void;
  /** Each effect, before the listeners see it (for effects the controller handles itself). */
  beforeListeners?(effect: F): void;
}

/**
 * The runtime of a reducer plus effects: events are reduced one at a time in order (an event a
 * listener dispatches while effects are delivered is queued and handled right after), effects go
 * to every listener in order, and one timer is armed at the state's next deadline.
 */
export class ReducerLoop<S, E, F> {
  readonly #spec: ReducerLoopSpec<S, E, F>;
  readonly #listeners = new Set<(effect: F) => void>();
  #state: S;
  #inbox: E[] = [];
  #dispatching = false;
  #timer: { at: number; cancel: () => void } | null = null;
  #closed = false;

  constructor(initial: S, spec: ReducerLoopSpec<S, E, F>) {
    this.#state = initial;
    this.#spec = spec;
  }

  get state(): Readonly<S> {
    return this.#state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  subscribe(listener: (effect: F) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Feeds one event; returns the effects it caused (also delivered to listeners). */
  dispatch(event: E): F[] {
    if (this.#closed) return [];
    this.#inbox.push(event);
    if (this.#dispatching) return [];
    this.#dispatching = true;
    const all: F[] = [];
    try {
      for (let next = this.#inbox.shift(); next !== undefined; next = this.#inbox.shift()) {
        const { state, effects } = this.#spec.reduce(this.#state, next);
        this.#state = state;
        this.rearm();
        this.#spec.afterReduce?.(state);
        all.push(...effects);
        for (const effect of effects) {
          this.#spec.beforeListeners?.(effect);
          for (const listener of this.#listeners) listener(effect);
        }
      }
    } finally {
      this.#dispatching = false;
      this.#inbox = [];
    }
    return all;
  }

  /** Arms the timer at the state's next deadline (call after changing what the deadline depends on). */
  rearm(): void {
    const at = this.#spec.deadline(this.#state);
    if (this.#timer?.at === at) return;
    this.#timer?.cancel();
    this.#timer = null;
    if (at === null || this.#closed) return;
    const cancel = this.#spec.scheduler.schedule(at, () => {
      if (this.#timer?.cancel !== cancel) return;
      this.#timer = null;
      try {
        this.dispatch(this.#spec.tick);
      } catch (error) {
        this.#spec.onError(error);
      }
    });
    this.#timer = { at, cancel };
  }

  /** Stops the timer; later events are ignored. */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
  }
}

/** What a controller built on a ReducerLoop runs on; tests pass a manual clock and a seeded random. */
export interface ControllerDeps {
  /** @defaultValue systemClock */
  clock: FloorClock;
  /** @defaultValue systemClock */
  scheduler: FloorScheduler;
  /** Weighted picks and shuffles; seed it in tests (`seededRandom`). @defaultValue Math.random */
  random: Random;
  /** Errors thrown by subscribers while the controller ran on its own timer. @defaultValue rethrown */
  onError: (error: unknown) => void;
}

/** `deps` with the defaults of {@link ControllerDeps} for what it leaves out. */
export function controllerDeps(deps: Partial<ControllerDeps>): ControllerDeps {
  return {
    clock: systemClock,
    scheduler: systemClock,
    random: Math.random,
    onError: (error) =>
      queueMicrotask(() => {
        throw error;
      }),
    ...deps,
  };
}

/** The public face of a controller whose logic is a reducer run by its {@link ReducerLoop}. */
export abstract class ReducerController<S, E, F> {
  protected abstract readonly loop: ReducerLoop<S, E, F>;

  /** The reducer's state, for inspection; do not change it. */
  get state(): Readonly<S> {
    return this.loop.state;
  }

  subscribe(listener: (effect: F) => void): () => void {
    return this.loop.subscribe(listener);
  }

  /**
   * Feeds one event; returns the effects it caused (also delivered to subscribers). Events
   * dispatched by a subscriber while effects are delivered are handled right after, in order.
   */
  dispatch(event: E): F[] {
    return this.loop.dispatch(event);
  }

  /** Stops the timer; later events are ignored. */
  close(): void {
    this.loop.close();
  }
}
