import { describe, expect, it } from 'vitest';
import type { AddresseeRequest } from './addressing.ts';
import type { FloorCharacter, FloorOptions } from './floor.ts';
import { cast, floorHarness, human, type Step } from './floor-testing.ts';

// Statistical properties of the weighted choices, with seeded randomness so the counts are fixed;
// the bounds are wide enough to hold for any seed (about ±4 standard deviations).

const turn = (at: number, text: string): Step[] => [
  [at, human.starts('alice')],
  [at + 500, human.stops('alice')],
  [at + 600, human.says('alice', text)],
];

/** `rounds` human turns 20 s apart, answered by scripted characters; the counts of `speak` per character. */
function play(
  rounds: number,
  options: Partial<FloorOptions>,
  characters: FloorCharacter[],
  text = 'Nice weather.',
) {
  const h = floorHarness(options, characters, 42, {});
  for (let i = 0; i < rounds; i += 1) h.run(turn(i * 20_000, text), (i + 1) * 20_000 - 1);
  const speaks = h.effects('speak');
  const counts: Record<string, number> = Object.fromEntries(characters.map((c) => [c.id, 0]));
  for (const s of speaks) counts[s.characterId] = (counts[s.characterId] ?? 0) + 1;
  return { ...h, speaks, counts };
}

describe('fairness and talkativeness', () => {
  it('when equally talkative characters answer many turns, then each gets its share and nobody waits long', () => {
    const { speaks, counts } = play(300, { chainCap: 0 }, cast);
    for (const id of ['ada', 'bob', 'cy']) {
      expect(counts[id]).toBeGreaterThanOrEqual(80);
      expect(counts[id]).toBeLessThanOrEqual(120);
    }
    // Fairness raises the weight of whoever waited: no character sits out a long run of turns.
    const lastSpoke: Record<string, number> = {};
    let longestWait = 0;
    speaks.forEach((s, i) => {
      longestWait = Math.max(longestWait, i - (lastSpoke[s.characterId] ?? 0));
      lastSpoke[s.characterId] = i;
    });
    expect(longestWait).toBeLessThanOrEqual(12);
  });

  it('when talkativeness differs and fairness is off, then answers follow talkativeness', () => {
    const characters = [
      { id: 'ada', name: 'Ada Quill', talkativeness: 0.9 },
      { id: 'bob', name: 'Bob Hart', talkativeness: 0.3 },
      { id: 'cy', name: 'Cy Moss', talkativeness: 0 },
    ];
    const { counts } = play(400, { chainCap: 0, fairness: 0 }, characters);
    expect(counts.ada! / 400).toBeGreaterThan(0.67);
    expect(counts.ada! / 400).toBeLessThan(0.83);
    expect(counts.cy).toBe(0);
  });

  it('when a character never speaks up, then it still answers when named', () => {
    const characters = cast.map((c) => ({ ...c, talkativeness: c.id === 'cy' ? 0 : 1 }));
    const { speaks } = play(5, { chainCap: 0 }, characters, 'Cy, your thoughts?');
    expect(speaks.map((s) => [s.characterId, s.plan.reason])).toEqual(Array(5).fill(['cy', 'mention']));
  });
});

describe('relationships', () => {
  const chainShares = (kind: 'rival' | 'dismissive') => {
    const relationships = [{ from: 'ada', to: 'bob', kind }];
    const { speaks } = play(400, { chainCap: 1, chainProbability: 1, relationships }, cast, 'Bob, hello!');
    const chain = speaks.filter((s) => s.plan.reason === 'chain');
    return { chain, adaShare: chain.filter((s) => s.characterId === 'ada').length / chain.length };
  };

  it('when Ada is Bob’s rival, then she answers Bob more often than Cy does, with a hint to challenge him', () => {
    const { chain, adaShare } = chainShares('rival');
    expect(adaShare).toBeGreaterThan(0.55); // 1.8 / 2.8 ≈ 0.64
    expect(adaShare).toBeLessThan(0.74);
    const hint = chain.find((s) => s.characterId === 'ada')?.plan.relationship;
    expect(hint).toMatchObject({ kind: 'rival', hint: expect.stringContaining('Bob Hart is your rival') });
    expect(chain.find((s) => s.characterId === 'cy')?.plan.relationship).toBeNull();
  });

  it('when Ada is dismissive of Bob, then she answers Bob less often than Cy does', () => {
    expect(chainShares('dismissive').adaShare).toBeLessThan(0.38); // 0.4 / 1.4 ≈ 0.29
  });

  it('when a relationship pulls, then a chain is more likely to go on at all', () => {
    const rate = (relationships: FloorOptions['relationships']) => {
      const { speaks } = play(
        300,
        { chainCap: 1, chainProbability: 0.5, relationships },
        cast,
        'Bob, hello!',
      );
      return speaks.filter((s) => s.plan.reason === 'chain').length / 300;
    };
    const plain = rate([]);
    const rivalry = rate([
      { from: 'ada', to: 'bob', kind: 'rival' },
      { from: 'cy', to: 'bob', kind: 'rival' },
    ]);
    expect(plain).toBeGreaterThan(0.4);
    expect(plain).toBeLessThan(0.6);
    expect(rivalry).toBeGreaterThan(0.83); // 0.5 × 1.8 = 0.9
  });
});

describe('LLM addressing', () => {
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('when the LLM answers in time, then its choice answers as addressed', async () => {
    const requests: AddresseeRequest[] = [];
    const h = floorHarness({
      addressing: 'llm',
      chainCap: 0,
      chooseAddressee: async (r) => (requests.push(r), ['cy']),
    });
    h.run(turn(0, 'Who here has been to sea?'));
    await flush();
    expect(h.commands()).toEqual(['600 speak cy addressed']);
    expect(requests[0]).toMatchObject({ utterance: { speaker: 'alice', text: 'Who here has been to sea?' } });
    expect(requests[0]?.characters.map((c) => c.id)).toEqual(['ada', 'bob', 'cy']);
  });

  it('when the LLM does not answer in time, then the heuristic decides at the timeout and the request is aborted', async () => {
    let signal: AbortSignal | undefined;
    const h = floorHarness(
      {
        addressing: 'llm',
        addressingTimeoutMs: 800,
        chainCap: 0,
        chooseAddressee: (_, s) => ((signal = s), new Promise(() => {})),
      },
      cast.map((c) => ({ ...c, talkativeness: c.id === 'bob' ? 1 : 0 })),
    );
    h.run(turn(0, 'Who here has been to sea?'), 2000);
    await flush();
    expect(h.commands()).toEqual(['1400 speak bob weighted']);
    expect(signal?.aborted).toBe(true);
  });

  it('when a character is named, then the LLM is not asked', () => {
    let asked = 0;
    const h = floorHarness({
      addressing: 'llm',
      chainCap: 0,
      chooseAddressee: async () => (asked++, ['cy']),
    });
    h.run(turn(0, 'Ada, have you been to sea?'));
    expect(h.commands()).toEqual(['600 speak ada mention']);
    expect(asked).toBe(0);
  });

  it('when the LLM fails, then the heuristic decides at once', async () => {
    const h = floorHarness(
      { addressing: 'llm', chainCap: 0, chooseAddressee: () => Promise.reject(new Error('503')) },
      cast.map((c) => ({ ...c, talkativeness: c.id === 'ada' ? 1 : 0 })),
    );
    h.run(turn(0, 'Who here has been to sea?'));
    await flush();
    expect(h.commands()).toEqual(['600 speak ada weighted']);
  });
});
