import { describe, expect, it } from 'vitest';
import { seededRandom } from '../conversation/group/floor.ts';
import { cast, floorHarness, human } from '../conversation/group/floor-testing.ts';
import {
  AutonomousDirector,
  directorEventForFloor,
  topicCueFor,
  type AutonomousEvent,
} from './autonomous.ts';

// The director wired to the real floor controller as the group job wires it: starts and
// reactions become `autonomousTopic` events, floor messages become `floorOpen` / `floorBusy`.

function wired() {
  const f = floorHarness({ chainCap: 0 }, cast, 1, { durationMs: 4000 });
  const director = new AutonomousDirector(
    cast,
    { agenda: ['shanties', 'kites', 'tea'] },
    { clock: f.clock, scheduler: f.clock, random: seededRandom(2) },
  );
  director.subscribe((e) => {
    if (e.type === 'startTopic' || e.type === 'react')
      f.floor.dispatch({
        type: 'autonomousTopic',
        topic: topicCueFor(e),
        ...(e.characterId !== undefined && { characterId: e.characterId }),
      });
  });
  f.floor.subscribe((e) => {
    if (e.type === 'publish') director.dispatch(directorEventForFloor(e.message));
  });
  const at = (ms: number, ...events: Array<() => void>) => {
    f.clock.advanceTo(ms);
    for (const e of events) e();
  };
  const both = (floorEvent: Parameters<typeof f.floor.dispatch>[0], directorEvent: AutonomousEvent) => () => {
    f.floor.dispatch(floorEvent);
    director.dispatch(directorEvent);
  };
  return { f, director, at, both };
}

describe('AutonomousDirector wired to the floor', () => {
  it('when chat idles, a person talks and a raid comes, then topics and the reaction are floor pick-ups that never cross the person', () => {
    const { f, director, at, both } = wired();
    at(50_000, both(human.starts('host'), { type: 'humanSpeechStarted', identity: 'host' }));
    at(52_000, both(human.stops('host'), { type: 'humanSpeechStopped', identity: 'host' }));
    at(52_100, () => f.floor.dispatch(human.says('host', 'Ada, tell me a joke.')));
    at(53_000, () =>
      director.dispatch({ type: 'notice', notice: { type: 'raid', user: 'rex', amount: 40 } }),
    );
    at(80_000);

    expect(f.commands().map((c) => c.replace(/ (ada|bob|cy) /, ' _ '))).toEqual([
      '20000 speak _ pickup',
      '24000 floorToHumans',
      '39000 speak _ pickup',
      '43000 floorToHumans',
      '52100 speak _ mention',
      '56100 floorToHumans',
      '56100 speak _ pickup',
      '60100 floorToHumans',
      '75100 speak _ pickup',
      '79100 floorToHumans',
    ]);
    const topics = f.effects('speak').map((s) => s.plan.topic && [s.plan.topic.source, s.plan.topic.text]);
    expect(topics).toEqual([
      ['idle', 'shanties'],
      ['cadence', 'kites'],
      undefined,
      ['notice', 'rex just raided the channel with 40 viewers: welcome the raiders warmly.'],
      ['idle', 'tea'],
    ]);
    expect(f.effects('observe').some((o) => o.observation.kind === 'topicDeclined')).toBe(false);
  });
});
