import { FloorController, ManualClock, seededRandom } from './floor.ts';
import type { FloorCharacter, FloorEffect, FloorEvent, FloorOptions } from './floor.ts';

// Drives a FloorController on a manual clock for tests: scripted events at given times, every
// effect recorded with the time it was emitted, and optional scripted characters that behave like
// the group job's sessions (start at once, give their text, finish after a set duration).

export const cast: FloorCharacter[] = [
  { id: 'ada', name: 'Ada Quill', talkativeness: 0.5 },
  { id: 'bob', name: 'Bob Hart', talkativeness: 0.5 },
  { id: 'cy', name: 'Cy Moss', talkativeness: 0.5 },
];

export type Step = [atMs: number, event: FloorEvent];

export const human = {
  starts: (identity: string): FloorEvent => ({ type: 'humanSpeechStarted', identity }),
  stops: (identity: string): FloorEvent => ({ type: 'humanSpeechStopped', identity }),
  heard: (identity: string, spokenMs: number): FloorEvent => ({ type: 'humanSpeaking', identity, spokenMs }),
  says: (identity: string, text: string): FloorEvent => ({
    type: 'humanUtterance',
    identity,
    name: identity,
    text,
  }),
};
export const character = {
  ready: (characterId: string, text: string): FloorEvent => ({
    type: 'characterReplyReady',
    characterId,
    text,
  }),
  starts: (characterId: string): FloorEvent => ({ type: 'characterSpeechStarted', characterId }),
  finishes: (characterId: string, text?: string): FloorEvent => ({
    type: 'characterPlayoutFinished',
    characterId,
    ...(text !== undefined && { text }),
  }),
  interrupted: (characterId: string, heardText: string): FloorEvent => ({
    type: 'characterInterrupted',
    characterId,
    heardText,
  }),
};

export interface Actors {
  /** What each character says when given the floor; default "Mm, I see." */
  lines?: Record<string, string>;
  /** How long each reply plays. @defaultValue 1000 */
  durationMs?: number;
}

export function floorHarness(
  options: Partial<FloorOptions> = {},
  characters: FloorCharacter[] = cast,
  seed = 1,
  actors?: Actors,
) {
  const clock = new ManualClock(0);
  const floor = new FloorController(characters, options, {
    clock,
    scheduler: clock,
    random: seededRandom(seed),
  });
  const log: Array<{ at: number; effect: FloorEffect }> = [];
  floor.subscribe((effect) => log.push({ at: clock.now(), effect }));
  if (actors) {
    const playing = new Map<string, () => void>();
    floor.subscribe((effect) => {
      if (effect.type === 'speak') {
        const id = effect.characterId;
        const text = actors.lines?.[id] ?? 'Mm, I see.';
        floor.dispatch(character.starts(id));
        floor.dispatch(character.ready(id, text));
        const cancel = clock.schedule(clock.now() + (actors.durationMs ?? 1000), () => {
          playing.delete(id);
          floor.dispatch(character.finishes(id, text));
        });
        playing.set(id, cancel);
      } else if (effect.type === 'interrupt') {
        playing.get(effect.characterId)?.();
        playing.delete(effect.characterId);
        floor.dispatch(character.interrupted(effect.characterId, 'Mm'));
      }
    });
  }
  const run = (steps: Step[], untilMs?: number) => {
    for (const [at, event] of steps) {
      clock.advanceTo(at);
      floor.dispatch(event);
    }
    if (untilMs !== undefined) clock.advanceTo(untilMs);
  };
  /** The commands (not publish/observe) as "time type character reason". */
  const commands = () =>
    log.flatMap(({ at, effect }) => {
      switch (effect.type) {
        case 'speak':
        case 'prepare':
          return [`${at} ${effect.type} ${effect.characterId} ${effect.plan.reason}`];
        case 'hold':
        case 'cancel':
        case 'interrupt':
          return [`${at} ${effect.type} ${effect.characterId}`];
        case 'floorToHumans':
          return [`${at} floorToHumans`];
        default:
          return [];
      }
    });
  const effects = <T extends FloorEffect['type']>(type: T) =>
    log.filter((l) => l.effect.type === type).map((l) => l.effect as Extract<FloorEffect, { type: T }>);
  return { clock, floor, log, run, commands, effects };
}
