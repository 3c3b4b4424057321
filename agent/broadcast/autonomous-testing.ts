import type { ChatNotice } from '../../protocol/index.ts';
import { ManualClock, seededRandom } from '../conversation/group/floor.ts';
import {
  AutonomousDirector,
  type AutonomousEffect,
  type AutonomousEvent,
  type AutonomousOptions,
  type DirectorCharacter,
} from './autonomous.ts';

// Drives an AutonomousDirector on a manual clock for tests: scripted events at given times, every
// effect recorded with its time, and optionally a stand-in floor that takes each start or reaction
// at once (busy, audible for `durationMs`, then open again), as the wired floor does.

export const cast: DirectorCharacter[] = [
  { id: 'ada', name: 'Ada Quill', talkativeness: 0.5 },
  { id: 'bob', name: 'Bob Hart', talkativeness: 0.5 },
  { id: 'cy', name: 'Cy Moss', talkativeness: 0.5 },
];

export type Step = [atMs: number, event: AutonomousEvent];

export const ev = {
  chat: (user = 'zed', text = 'hi'): AutonomousEvent => ({ type: 'chatActivity', user, text }),
  humanStarts: (identity = 'host'): AutonomousEvent => ({ type: 'humanSpeechStarted', identity }),
  humanStops: (identity = 'host'): AutonomousEvent => ({ type: 'humanSpeechStopped', identity }),
  speaking: (characterId: string): AutonomousEvent => ({ type: 'characterSpeaking', characterId }),
  finished: (characterId: string): AutonomousEvent => ({ type: 'characterFinished', characterId }),
  open: (): AutonomousEvent => ({ type: 'floorOpen' }),
  busy: (): AutonomousEvent => ({ type: 'floorBusy' }),
  notice: (type: ChatNotice['type'], user: string, amount?: number): AutonomousEvent => ({
    type: 'notice',
    notice: { type, user, ...(amount !== undefined && { amount }) },
  }),
};

export function directorHarness(
  options: Partial<AutonomousOptions> = {},
  characters: DirectorCharacter[] = cast,
  seed = 1,
  /** How long each taken start or reaction is audible; undefined: no stand-in floor. */
  durationMs?: number,
) {
  const clock = new ManualClock(0);
  const director = new AutonomousDirector(characters, options, {
    clock,
    scheduler: clock,
    random: seededRandom(seed),
  });
  const log: Array<{ at: number; effect: AutonomousEffect }> = [];
  director.subscribe((effect) => log.push({ at: clock.now(), effect }));
  if (durationMs !== undefined) {
    director.subscribe((effect) => {
      if (effect.type !== 'startTopic' && effect.type !== 'react') return;
      const id = effect.characterId ?? 'floor-choice';
      director.dispatch(ev.busy());
      director.dispatch(ev.speaking(id));
      clock.schedule(clock.now() + durationMs, () => {
        director.dispatch(ev.finished(id));
        director.dispatch(ev.open());
      });
    });
  }
  const run = (steps: Step[], untilMs?: number) => {
    for (const [at, event] of steps) {
      clock.advanceTo(at);
      director.dispatch(event);
    }
    if (untilMs !== undefined) clock.advanceTo(untilMs);
  };
  /** Starts and reactions as "time type character reason/kinds topic". */
  const commands = (withCharacter = false) =>
    log.flatMap(({ at, effect }) => {
      const who = withCharacter && effect.type !== 'observe' ? ` ${effect.characterId ?? '-'}` : '';
      if (effect.type === 'startTopic')
        return [`${at} startTopic${who} ${effect.reason} ${effect.topic ?? '-'}`];
      if (effect.type === 'react')
        return [`${at} react${who} ${effect.notice.type}×${effect.notices.length}`];
      return [];
    });
  const effects = <T extends AutonomousEffect['type']>(type: T) =>
    log.filter((l) => l.effect.type === type).map((l) => l.effect as Extract<AutonomousEffect, { type: T }>);
  return { clock, director, log, run, commands, effects };
}
