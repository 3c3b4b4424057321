/**
 * The floor controller of group calls: who speaks next among several humans and characters.
 * Pure logic — no `@livekit/agents`, no I/O; the group job wires it to sessions and the room.
 *
 * ```ts
 * const floor = new FloorController(characters, floorOptionsFromSettings(session.settings));
 * floor.subscribe((effect) => { switch (effect.type) { case 'speak': … } });
 * floor.dispatch({ type: 'humanSpeechStarted', identity: 'alice', at: vadOnsetMs });
 * ```
 *
 * Events in (`FloorEvent`; `at` on the controller's clock, default now):
 * - `humanSpeechStarted` / `humanSpeechStopped` {identity}: from each human's VAD.
 * - `humanSpeaking` {identity, spokenMs}: the speech that VAD has heard so far in the segment, in
 *   audio time; it counts towards the barge-in threshold even when the VAD's events come late.
 * - `humanUtterance` {identity, name, text}: a human's final transcript.
 * - `characterReplyReady` {characterId, text}: the reply's text is known (its LLM is done).
 * - `characterSpeechStarted` / `characterPlayoutFinished` {characterId, text?}: its first/last audible frame.
 * - `characterInterrupted` {characterId, heardText}: it stopped early; only `heardText` is kept.
 * - `addresseeDecided` {requestId, characterIds | null}: the LLM hook's answer (the controller
 *   dispatches it itself when `chooseAddressee` is given).
 * - `autonomousTopic` {topic, characterId?}: broadcast autonomous mode asks a character to bring up a
 *   topic; planned as a `pickup` turn carrying `plan.topic` if the floor is open, else declined
 *   (`observe` `topicDeclined`).
 * - `scriptedLine` {characterId, lineId, text, interrupt}: show control has a character say a line
 *   word for word; it takes the floor at once (`speak` with `plan.line`) or is declined (`observe`
 *   `lineDeclined`). Never over a person; `interrupt` cuts a speaking character off. Never chained.
 * - `tick`: optional; the controller wakes itself through its scheduler at every deadline.
 *
 * Effects out (`FloorEffect`, to every subscriber, in order; `dispatch` also returns them):
 * - `speak` {characterId, plan}: play this reply now (authorise it, or generate and play it).
 *   `plan` says why (`mention` | `addressed` | `weighted` | `chain` | `pickup`), what it answers,
 *   its place in the chain and, towards another character, the relationship hint to add.
 * - `prepare` {characterId, plan}: generate it now but hold its playout; a `speak` with the same
 *   `turnId` follows when the floor is free — hand-over without dead air.
 * - `hold` {characterId, turnId}: a human began to speak before the authorised reply was audible:
 *   pause its authorisation; a `speak` with the same `turnId` follows if the human stops short.
 * - `cancel` {characterId, turnId}: drop a prepared or held reply.
 * - `interrupt` {characterId, turnId}: stop it now, thinking or speaking.
 * - `floorToHumans`: no character holds or waits for the floor.
 * - `decideAddressee` {requestId, request}: ask the LLM (handled by the controller when the hook is set).
 * - `publish` {message}: a `FloorMessage` for `FLOOR_TOPIC`; `observe` {observation}: for logs/metrics.
 *
 * Rules (see floor-choice.ts and addressing.ts for the details):
 * - A human wins the floor: once a human has spoken `interruptionMinDurationMs` (from the onset,
 *   or as heard by their VAD if that says so first), every character thinking or speaking gets
 *   `interrupt` at that very deadline and every waiting reply is cancelled. While any human
 *   speaks no character turn starts; with several humans speaking, the floor returns when all
 *   have stopped and a final utterance has arrived.
 * - Answering a human: the characters it names (addressing.ts), else its addressee (the heuristic,
 *   or the LLM with the heuristic as fallback after `addressingTimeoutMs`), else a talkativeness-
 *   weighted choice in which characters who have not spoken since the last human turn come first
 *   and waiting raises the weight (`fairness`).
 * - Characters answer each other for at most `chainCap` turns, then the floor returns to the
 *   people. No character answers itself unless `allowSelfReply`. Relationships weigh who answers
 *   whom and add a hint to the reply. After `pickupAfterMs` of silence (off by default) a
 *   character picks the conversation up.
 */
import { GroupSettings, type GroupSettingsInput } from '../../../protocol/index.ts';
import type { FloorContext } from './floor-choice.ts';
import { initialFloorState, nextDeadline, reduceFloor } from './floor-reducer.ts';
import type {
  FloorCharacter,
  FloorEffect,
  FloorEvent,
  FloorOptions,
  FloorControllerState,
} from './floor-types.ts';
import {
  ReducerController,
  ReducerLoop,
  controllerDeps,
  type ControllerDeps,
} from '../../runtime/reducer-loop.ts';
import { Relationships } from './relationships.ts';

export type * from './floor-types.ts';
export { ManualClock, systemClock, type FloorClock, type FloorScheduler } from '../../runtime/clock.ts';
export { seededRandom, type Random } from './choice.ts';
export { relationshipWeights, Relationships, type RelationshipHint } from './relationships.ts';
export type { AddresseeRequest, ChooseAddressee } from './addressing.ts';

export const defaultFloorOptions: FloorOptions = {
  ...GroupSettings.parse({}),
  addressingTimeoutMs: 800,
  fairness: 0.5,
  fairnessHorizon: 4,
  maxGroupReplies: 3,
  finalTranscriptWaitMs: 700,
  historySize: 12,
};

/** Floor options from a session's stored settings (`sessions.settings`); throws on a malformed value. */
export function floorOptionsFromSettings(
  settings: GroupSettingsInput | null | undefined,
): Partial<FloorOptions> {
  return GroupSettings.parse(settings ?? {});
}

/** What the controller runs on. */
export type FloorDeps = ControllerDeps;

export type FloorListener = (effect: FloorEffect) => void;

export class FloorController extends ReducerController<FloorControllerState, FloorEvent, FloorEffect> {
  readonly options: FloorOptions;
  readonly characters: readonly FloorCharacter[];
  readonly #deps: FloorDeps;
  readonly #relationships: Relationships;
  readonly #decisions = new Map<string, AbortController>();
  protected readonly loop: ReducerLoop<FloorControllerState, FloorEvent, FloorEffect>;

  constructor(
    characters: readonly FloorCharacter[],
    options: Partial<FloorOptions> = {},
    deps: Partial<FloorDeps> = {},
  ) {
    super();
    this.options = { ...defaultFloorOptions, ...options };
    this.characters = characters.map((c) => ({
      ...c,
      aliases: [...(c.aliases ?? []), ...(this.options.aliases[c.id] ?? [])],
    }));
    this.#relationships = new Relationships(this.options.relationships);
    this.#deps = controllerDeps(deps);
    this.loop = new ReducerLoop(initialFloorState(), {
      reduce: (state, event) => reduceFloor(state, event, this.#context()),
      deadline: (state) => nextDeadline(state, this.options),
      tick: { type: 'tick' },
      scheduler: this.#deps.scheduler,
      onError: (error) => this.#deps.onError(error),
      afterReduce: () => this.#abortStale(),
      beforeListeners: (effect) => {
        if (effect.type === 'decideAddressee') this.#ask(effect.requestId, effect.request);
      },
    });
  }

  /** Stops the timers and pending LLM requests; later events are ignored. */
  override close(): void {
    super.close();
    for (const a of this.#decisions.values()) a.abort();
    this.#decisions.clear();
  }

  #context(): FloorContext {
    return {
      now: this.#deps.clock.now(),
      options: this.options,
      characters: this.characters,
      relationships: this.#relationships,
      random: this.#deps.random,
    };
  }

  #ask(requestId: string, request: Parameters<NonNullable<FloorOptions['chooseAddressee']>>[0]): void {
    const choose = this.options.chooseAddressee;
    if (!choose) return;
    const abort = new AbortController();
    this.#decisions.set(requestId, abort);
    const answer = (characterIds: string[] | null) => {
      if (abort.signal.aborted) return;
      this.#decisions.delete(requestId);
      this.dispatch({ type: 'addresseeDecided', requestId, characterIds });
    };
    choose(request, abort.signal).then(
      (ids) => answer(Array.isArray(ids) ? ids : null),
      () => answer(null),
    );
  }

  /** A decision that timed out or was overtaken no longer needs its LLM request. */
  #abortStale(): void {
    for (const [id, abort] of this.#decisions) {
      if (this.loop.state.deciding?.requestId !== id) {
        abort.abort();
        this.#decisions.delete(id);
      }
    }
  }
}
