/**
 * The show's one command dispatcher: chat commands, the owner's control page and the show-control
 * API all reach the show through here, so they are ordered, limited and answered in one place.
 * Pure logic on an injectable clock and scheduler (see the floor controller, which it feeds); the
 * broadcast runtime wires it (commands-wiring.ts).
 *
 * ```ts
 * const commands = new CommandDispatcher();
 * commands.subscribe((e) => { switch (e.type) { case 'offer': … case 'finished': … } });
 * commands.dispatch({ type: 'submit', command: { id, source: 'api', action } });
 * floor.subscribe((e) => { if (e.type === 'publish') commands.dispatch({ type: 'floor', message: e.message }); });
 * ```
 *
 * Events in (`CommandEvent`): `submit` {command}, `floor` {message}, `prepared` / `moderated` /
 * `prepareFailed` {id}, `offerAnswered` {id, taken}, `lineEnded` {id, audible, heardText,
 * interrupted}, `applied` {id, result}, `settled` {id, outcome}, `close`, `tick`.
 *
 * Effects out (`CommandEffect`): `prepare` {id, kind: moderate | compose}, `offer` {id, kind:
 * line | topic}, `apply` {id, source, action}, `restore` {characterId, name}, `finished` {id,
 * source, action, result}.
 *
 * Rules:
 * - Gestures, switches, autonomy and chat moderation apply at once, in arrival order. Chat's are
 *   rate-limited by the show (its cooldowns; a refusal is `rateLimited`); the others are not.
 * - Lines (`say`, `prompt` that speaks) and topics wait for the floor in one queue, in order: `say
 *   now` lines go ahead of the `next` ones, behind earlier `now` ones. A line is offered once its
 *   words passed moderation (a prompt's once composed and checked); a line still being prepared
 *   holds back the ones behind it. Nothing is offered while a person speaks; a `next` line or a
 *   topic only to an open floor with no line of ours playing, a `now` line also to a speaking
 *   character, whom the floor then cuts off (an earlier line cut off so is `superseded`).
 * - A declined offer is made again at the next floor change or after `retryMs`. A line not taken
 *   within `floorWaitMs` of its arrival is dropped (`noFloor`), one not prepared within
 *   `prepareTimeoutMs` too (`failed`). A taken line that nobody heard (a person began first) waits
 *   again at the front; one cut off by a person is `interrupted`, with the heard part as `text`.
 * - A gesture with `durationMs` holds its kind (expression or motion) of that character: until it
 *   ends, gestures of lower priority are refused (`lowerPriority`); then an expression returns to
 *   the one shown before the hold (or `restingExpression`). Chat's gestures are `low`.
 * - Every command ends with exactly one `finished`; after `close` everything still waiting, and
 *   everything submitted later, is `dropped` (`notRunning`).
 */
import {
  ReducerController,
  ReducerLoop,
  controllerDeps,
  type ControllerDeps,
} from '../runtime/reducer-loop.ts';
import { initialCommandState, nextCommandDeadline, reduceCommands } from './commands-reducer.ts';
import type { CommandEffect, CommandEvent, CommandOptions, CommandState } from './commands-types.ts';

export type * from './commands-types.ts';

export const defaultCommandOptions: CommandOptions = {
  floorWaitMs: 30_000,
  prepareTimeoutMs: 20_000,
  maxQueued: 20,
  retryMs: 1000,
  restingExpression: 'neutral',
};

/** What the dispatcher runs on. */
export type CommandDeps = ControllerDeps;

export class CommandDispatcher extends ReducerController<CommandState, CommandEvent, CommandEffect> {
  readonly options: CommandOptions;
  readonly #deps: CommandDeps;
  protected readonly loop: ReducerLoop<CommandState, CommandEvent, CommandEffect>;

  constructor(options: Partial<CommandOptions> = {}, deps: Partial<CommandDeps> = {}) {
    super();
    this.options = { ...defaultCommandOptions, ...options };
    this.#deps = controllerDeps(deps);
    this.loop = new ReducerLoop(initialCommandState(), {
      reduce: (state, event) =>
        reduceCommands(state, event, { now: this.#deps.clock.now(), options: this.options }),
      deadline: nextCommandDeadline,
      tick: { type: 'tick' },
      scheduler: this.#deps.scheduler,
      onError: (error) => this.#deps.onError(error),
    });
  }

  /** Drops everything still waiting (`notRunning`, reported), then stops the timer. */
  override close(): void {
    this.dispatch({ type: 'close' });
    super.close();
  }
}
