/**
 * Autonomous mode of broadcasts: when chat has been idle, characters talk on their own — agenda
 * topics shaped by their personas and recent chat, at a set cadence, never over a person — and
 * chat notices (subscriptions, raids, …) get reactions. Pure logic on an injectable clock and
 * scheduler (see the floor controller, which it feeds); the group job wires it.
 *
 * ```ts
 * const director = new AutonomousDirector(cast, autonomousOptionsFromSettings(broadcast.autonomous));
 * director.subscribe((e) => { if (e.type === 'startTopic' || e.type === 'react')
 *   floor.dispatch({ type: 'autonomousTopic', topic: topicCueFor(e), characterId: e.characterId }); });
 * floor.subscribe((e) => { if (e.type === 'publish') director.dispatch(directorEventForFloor(e.message)); });
 * ```
 *
 * Events in (`AutonomousEvent`; `at` on the director's clock, default now): `chatActivity`
 * {user?, text?}, `humanSpeechStarted` / `humanSpeechStopped` {identity}, `characterSpeaking` /
 * `characterFinished` {characterId}, `floorOpen` / `floorBusy`, `notice` {notice}, `tick`.
 *
 * Effects out (`AutonomousEffect`): `startTopic` {characterId?, topic, recentChat, reason},
 * `react` {characterId?, notice, notices, text, recentChat}, `observe` {observation}.
 *
 * Rules:
 * - Nothing starts unless the floor is quiet: open, no person speaking, no character audible.
 * - The first topic (reason `idle`) starts once chat has been silent `idleAfterMs` and, when
 *   someone spoke since start-up, the floor has been quiet `cadenceMs`; further ones (`cadence`)
 *   each after `cadenceMs` of quiet floor and at least `cadenceMs` after the previous start.
 *   Chat activity restarts the idle clock; a person speaking restarts the count of turns in a row.
 * - After `maxConsecutive` topics in a row the next waits `longPauseMs` instead of `cadenceMs`.
 * - Notices are reacted to at the first quiet floor after their gathering window (chat idle or
 *   not), before any topic; raids each on their own, other kinds merged and rate-limited by
 *   `notices` policies, dropped after `noticeTtlMs`. After a person stops, `humanGraceMs` first.
 * - One request at a time: after a start or reaction the floor must turn busy (or a character
 *   become audible) within `confirmTimeoutMs`, else a reaction is retried and a topic waits.
 */
import type { AutonomousSettings, FloorMessage } from '../../protocol/index.ts';
import {
  ReducerController,
  ReducerLoop,
  controllerDeps,
  type ControllerDeps,
} from '../runtime/reducer-loop.ts';
import { initialDirectorState, nextDirectorDeadline, reduceDirector } from './autonomous-reducer.ts';
import type {
  AutonomousEffect,
  AutonomousEvent,
  AutonomousOptions,
  AutonomousState,
  DirectorCharacter,
} from './autonomous-types.ts';
import { defaultNoticePolicies } from './notices.ts';

export type * from './autonomous-types.ts';
export {
  chatNoticeFromRouted,
  defaultNoticePolicies,
  reactionText,
  topicCueFor,
  topicInstructions,
  type RoutedNotice,
} from './notices.ts';

export const defaultAutonomousOptions: AutonomousOptions = {
  idleAfterMs: 20_000,
  cadenceMs: 15_000,
  agenda: [],
  agendaOrder: 'sequential',
  maxConsecutive: 4,
  longPauseMs: 60_000,
  recentChatWindow: 5,
  recentChatMaxAgeMs: 300_000,
  topicsEnabled: true,
  pick: 'weighted',
  fairness: 0.5,
  fairnessHorizon: 4,
  notices: defaultNoticePolicies,
  noticeTtlMs: 300_000,
  humanGraceMs: 1500,
  confirmTimeoutMs: 3000,
};

/** Director options from a broadcast's stored autonomous settings (disabled: reactions only). */
export function autonomousOptionsFromSettings(settings: AutonomousSettings): Partial<AutonomousOptions> {
  return {
    topicsEnabled: settings.enabled,
    idleAfterMs: settings.idleAfterMs,
    cadenceMs: settings.cadenceMs,
    agenda: settings.agenda,
  };
}

/** The director's view of a floor message: `open` is an open floor, anything else a busy one. */
export function directorEventForFloor(message: FloorMessage): AutonomousEvent {
  return message.state === 'open' ? { type: 'floorOpen' } : { type: 'floorBusy' };
}

/** What the director runs on. */
export type DirectorDeps = ControllerDeps;

export type DirectorListener = (effect: AutonomousEffect) => void;

export class AutonomousDirector extends ReducerController<
  AutonomousState,
  AutonomousEvent,
  AutonomousEffect
> {
  readonly options: AutonomousOptions;
  readonly characters: readonly DirectorCharacter[];
  readonly #deps: DirectorDeps;
  protected readonly loop: ReducerLoop<AutonomousState, AutonomousEvent, AutonomousEffect>;

  /** Starts with an open floor and chat idle from now; dispatch `floorBusy` if that is not so. */
  constructor(
    characters: readonly DirectorCharacter[],
    options: Partial<AutonomousOptions> = {},
    deps: Partial<DirectorDeps> = {},
  ) {
    super();
    this.options = { ...defaultAutonomousOptions, ...options };
    this.characters = characters;
    this.#deps = controllerDeps(deps);
    this.loop = new ReducerLoop(initialDirectorState(this.#deps.clock.now()), {
      reduce: (state, event) =>
        reduceDirector(state, event, {
          now: this.#deps.clock.now(),
          options: this.options,
          characters: this.characters,
          random: this.#deps.random,
        }),
      deadline: (state) => nextDirectorDeadline(state, this.options),
      tick: { type: 'tick' },
      scheduler: this.#deps.scheduler,
      onError: (error) => this.#deps.onError(error),
    });
    this.loop.rearm();
  }
}
