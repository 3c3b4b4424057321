import { describe, expect, it } from 'vitest';
import type { FloorEvent } from './floor.ts';
import { character, floorHarness, human, type Step } from './floor-testing.ts';

// Scripted lines (show control) on the floor: taken only when no person has it, never chained,
// a `now` line cutting a character off, and a person still winning the floor from a line.

const line = (characterId: string, lineId: string, interrupt = false): FloorEvent => ({
  type: 'scriptedLine',
  characterId,
  lineId,
  text: `${characterId} says ${lineId}.`,
  interrupt,
});

/** Alice speaks from `at` for 500 ms and her final transcript arrives 100 ms after she stops. */
const alice = (at: number, text: string): Step[] => [
  [at, human.starts('alice')],
  [at + 500, human.stops('alice')],
  [at + 600, human.says('alice', text)],
];

const declined = (h: ReturnType<typeof floorHarness>) =>
  h.effects('observe').flatMap((o) => (o.observation.kind === 'lineDeclined' ? [o.observation] : []));

describe('scripted lines on the floor', () => {
  it('when the floor is open, then a line is spoken at once with its words and no other character answers it', () => {
    const h = floorHarness({ chainCap: 2, chainProbability: 1 }, undefined, 1, { durationMs: 1000 });
    h.run([[100, line('ada', 'l1')]], 3000);
    expect(h.commands()).toEqual(['100 speak ada line', '1100 floorToHumans']);
    expect(h.effects('speak')[0]!.plan.line).toEqual({ id: 'l1', text: 'ada says l1.' });
    expect(h.effects('publish').find((p) => p.message.state === 'character')?.message).toMatchObject({
      speaker: 'ada',
      reason: 'line',
    });
  });

  it('when a person speaks, is due a transcript or is being answered, then a line is declined, even with interrupt', () => {
    const h = floorHarness({ chainCap: 0 });
    h.run([
      [0, human.starts('alice')],
      [100, line('ada', 'speaking', true)],
      [500, human.stops('alice')],
      [550, line('ada', 'awaiting', true)],
      [600, human.says('alice', 'Bob, hello.')],
      [650, line('ada', 'answering')],
      [700, line('zed', 'unknown')],
    ]);
    expect(declined(h)).toEqual([
      { kind: 'lineDeclined', lineId: 'speaking', why: 'human' },
      { kind: 'lineDeclined', lineId: 'awaiting', why: 'human' },
      { kind: 'lineDeclined', lineId: 'answering', why: 'busy' },
      { kind: 'lineDeclined', lineId: 'unknown', why: 'nobody' },
    ]);
    expect(h.commands()).toEqual(['600 speak bob mention']);
  });

  it('when a character speaks and a now line comes, then that character is cut off and the line speaks', () => {
    const h = floorHarness({ chainCap: 0 });
    h.run([
      ...alice(0, 'Bob, tell me everything.'),
      [700, character.starts('bob')],
      [900, line('ada', 'now', true)],
    ]);
    expect(h.commands()).toEqual(['600 speak bob mention', '900 interrupt bob', '900 speak ada line']);
    // Bob's late report does not end Ada's line; Ada's own end does.
    h.run([
      [950, character.interrupted('bob', 'Well')],
      [1000, character.starts('ada')],
      [2000, character.finishes('ada', 'ada says now.')],
    ]);
    expect(h.effects('publish').at(-1)!.message).toMatchObject({ state: 'open', speaker: null });
    expect(h.commands().at(-1)).toBe('2000 floorToHumans');
  });

  it('when the same character is cut off by its own now line, then the new line holds the floor until it ends', () => {
    const h = floorHarness({ chainCap: 0 });
    h.run([
      [0, line('ada', 'first')],
      [100, character.starts('ada')],
      [500, line('ada', 'second', true)],
    ]);
    h.run([[520, character.interrupted('ada', 'ada says')]]);
    expect(h.floor.state.current?.plan.line?.id).toBe('second');
    h.run([
      [600, character.starts('ada')],
      [1500, character.finishes('ada')],
    ]);
    expect(h.floor.state.current).toBeNull();
  });

  it('when a person barges in on a line, then the line stops like any reply and the person is answered', () => {
    const h = floorHarness({ chainCap: 0, interruptionMinDurationMs: 300 });
    h.run([[0, line('ada', 'l1')], [100, character.starts('ada')], ...alice(500, 'Bob, wait.')]);
    expect(h.commands()).toEqual([
      '0 speak ada line',
      '800 interrupt ada',
      '800 floorToHumans',
      '1100 speak bob mention',
    ]);
  });

  it('when a next line comes while a character speaks, then it is declined as busy', () => {
    const h = floorHarness({ chainCap: 0 });
    h.run([...alice(0, 'Bob, hi.'), [700, character.starts('bob')], [800, line('ada', 'next')]]);
    expect(declined(h)).toEqual([{ kind: 'lineDeclined', lineId: 'next', why: 'busy' }]);
  });
});
