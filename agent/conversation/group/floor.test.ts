import { describe, expect, it } from 'vitest';
import { GroupSettings } from '../../../protocol/index.ts';
import { floorOptionsFromSettings, type FloorEvent, type FloorOptions } from './floor.ts';
import { cast, character, floorHarness, human, type Step } from './floor-testing.ts';

const quiet = (talk: Record<string, number>) => cast.map((c) => ({ ...c, talkativeness: talk[c.id] ?? 0 }));

/** Alice speaks from `at` for 500 ms and her final transcript arrives 100 ms after she stops. */
const alice = (at: number, text: string): Step[] => [
  [at, human.starts('alice')],
  [at + 500, human.stops('alice')],
  [at + 600, human.says('alice', text)],
];

/** Alice asks Ada to go on; Ada, answering by mention at 600 ms, is audible from then. */
const adaGoesOn = (): Step[] => [...alice(0, 'Ada, go on.'), [600, character.starts('ada')]];

/** Alice greets Ada, who says "Hello." from 600 to 1000 ms. */
const adaSaysHello = (): Step[] => [
  ...alice(0, 'Ada, hi.'),
  [600, character.starts('ada')],
  [1000, character.finishes('ada', 'Hello.')],
];

/** Alice asks for a story; its first sentence is ready at 600 ms and has been heard by 1000 ms. */
const storyBegins = (): Step[] => [
  ...alice(0, 'Tell me a story.'),
  [600, character.ready('ada', 'Once upon a time.')],
  [1000, character.finishes('ada')],
];

interface Row {
  name: string;
  options?: Partial<FloorOptions>;
  characters?: typeof cast;
  steps: Step[];
  untilMs?: number;
  expected: string[];
}

const rows: Row[] = [
  {
    name: 'when a human names a character, then that character answers first with reason mention',
    options: { chainCap: 0 },
    steps: alice(0, 'Bob, what do you think?'),
    expected: ['600 speak bob mention'],
  },
  {
    name: 'when a human says "you" right after a character spoke, then that character answers as addressed',
    options: { chainCap: 0 },
    steps: [
      ...alice(0, 'Ada, hello!'),
      [600, character.starts('ada')],
      [1600, character.finishes('ada', 'Hello there, lovely to meet everyone.')],
      ...alice(2000, 'And how are you today?'),
    ],
    expected: ['600 speak ada mention', '1600 floorToHumans', '2600 speak ada addressed'],
  },
  {
    name: 'when nobody is named or addressed, then a talkativeness-weighted choice answers',
    options: { chainCap: 0 },
    characters: quiet({ cy: 1 }),
    steps: alice(0, 'The weather is lovely today.'),
    expected: ['600 speak cy weighted'],
  },
  {
    name: 'when a human says "you two", then the two characters who spoke last answer in turn, the second prepared',
    options: { chainCap: 0 },
    steps: [
      ...alice(0, 'Ada and Cy, hello!'),
      [600, character.ready('ada', 'Hi!')],
      [600, character.starts('ada')],
      [900, character.finishes('ada')],
      [900, character.ready('cy', 'Hey.')],
      [900, character.starts('cy')],
      [1200, character.finishes('cy')],
      ...alice(2000, 'What are you two up to?'),
      [2600, character.ready('cy', 'Not much.')],
      [2600, character.starts('cy')],
      [3000, character.finishes('cy')],
    ],
    expected: [
      '600 speak ada mention',
      '600 prepare cy mention',
      '900 speak cy mention',
      '1200 floorToHumans',
      '2600 speak cy addressed',
      '2600 prepare ada addressed',
      '3000 speak ada addressed',
    ],
  },
  {
    name: 'when the only character finishes and self-replies are not allowed, then the floor returns to the people',
    options: { chainCap: 2, chainProbability: 1 },
    characters: [cast[0]!],
    steps: [...storyBegins()],
    expected: ['600 speak ada weighted', '1000 floorToHumans'],
  },
  {
    name: 'when self-replies are allowed, then the only character may go on up to the chain cap',
    options: { chainCap: 2, chainProbability: 1, allowSelfReply: true },
    characters: [cast[0]!],
    steps: [
      ...storyBegins(),
      [1000, character.ready('ada', 'There was a fox.')],
      [1500, character.finishes('ada')],
      [1500, character.ready('ada', 'The end.')],
      [1800, character.finishes('ada')],
    ],
    expected: [
      '600 speak ada weighted',
      '600 prepare ada chain',
      '1000 speak ada chain',
      '1000 prepare ada chain',
      '1500 speak ada chain',
      '1800 floorToHumans',
    ],
  },
  {
    name: 'when a character names another in its reply, then that one is prepared with reason mention and speaks next',
    options: { chainCap: 1 },
    steps: [
      ...alice(0, 'Ada, any plans?'),
      [700, character.ready('ada', 'I might sail. Bob, you coming?')],
      [2000, character.finishes('ada')],
      [2000, character.ready('bob', 'Sure.')],
      [2500, character.finishes('bob')],
    ],
    expected: [
      '600 speak ada mention',
      '700 prepare bob mention',
      '2000 speak bob mention',
      '2500 floorToHumans',
    ],
  },
  {
    name: 'when a human keeps speaking past the threshold, then the speaking character is interrupted at that very ms and the prepared one cancelled',
    options: { chainCap: 2 },
    steps: [
      ...adaGoesOn(),
      [700, character.ready('ada', 'Well, Bob, I think that...')],
      [1000, human.starts('alice')],
      ...Array.from({ length: 20 }, (_, i): Step => [1000 + 20 * (i + 1), { type: 'tick' }]),
    ],
    expected: [
      '600 speak ada mention',
      '700 prepare bob mention',
      '1300 interrupt ada',
      '1300 cancel bob',
      '1300 floorToHumans',
    ],
  },
  {
    name: 'when a human makes a short noise while a character speaks, then nothing is interrupted',
    steps: [...adaGoesOn(), [1000, human.starts('alice')], [1200, human.stops('alice')]],
    untilMs: 2000,
    expected: ['600 speak ada mention'],
  },
  {
    // A loaded machine's VAD caught up on a whole barge-in at once: start and end 20 ms apart, never interrupted.
    name: 'when a VAD running behind reports a long barge-in in one burst, then the character is interrupted as soon as the speech it heard crosses the threshold',
    steps: [
      ...adaGoesOn(),
      [1000, human.starts('alice')],
      [1005, human.heard('alice', 160)],
      [1010, human.heard('alice', 320)],
      [1015, human.heard('alice', 2400)],
      [1020, human.stops('alice')],
    ],
    untilMs: 2000,
    expected: ['600 speak ada mention', '1010 interrupt ada', '1010 floorToHumans'],
  },
  {
    name: 'when a VAD running behind reports a short noise in one burst, then nothing is interrupted',
    steps: [
      ...adaGoesOn(),
      [1000, human.starts('alice')],
      [1005, human.heard('alice', 64)],
      [1010, human.heard('alice', 192)],
      [1020, human.stops('alice')],
    ],
    untilMs: 2000,
    expected: ['600 speak ada mention'],
  },
  {
    name: 'when a character finishes while a human is speaking below the threshold, then the next turn waits until the human stops',
    options: { chainCap: 1, interruptionMinDurationMs: 400 },
    steps: [
      ...adaGoesOn(),
      [700, character.ready('ada', 'Bob, your turn.')],
      [1000, human.starts('alice')],
      [1100, character.finishes('ada')],
      [1250, human.stops('alice')],
    ],
    expected: ['600 speak ada mention', '700 prepare bob mention', '1250 speak bob mention'],
  },
  {
    name: 'when a human starts speaking while a character is still thinking, then its reply is held and resumes after a short noise',
    steps: [...alice(0, 'Ada, go on.'), [700, human.starts('alice')], [800, human.stops('alice')]],
    expected: ['600 speak ada mention', '700 hold ada', '800 speak ada mention'],
  },
  {
    name: 'when a human barges in while a character is thinking, then it is interrupted at the threshold',
    steps: [...alice(0, 'Ada, go on.'), [700, human.starts('alice')]],
    untilMs: 1500,
    expected: ['600 speak ada mention', '700 hold ada', '1000 cancel ada', '1000 floorToHumans'],
  },
  {
    name: 'when two humans speak at once, then each character is interrupted once and nobody speaks until both stopped and a final utterance arrived',
    steps: [
      ...adaGoesOn(),
      [1000, human.starts('alice')],
      [1100, human.starts('carol')],
      [1800, human.stops('alice')],
      [1900, human.says('alice', 'Wait a moment.')],
      [2500, human.stops('carol')],
      [2600, human.says('carol', 'Bob, what happened?')],
    ],
    untilMs: 4000,
    expected: ['600 speak ada mention', '1300 interrupt ada', '1300 floorToHumans', '2600 speak bob mention'],
  },
  {
    name: "when two humans spoke and one's final transcript never comes, then the other is answered after the wait",
    options: { finalTranscriptWaitMs: 700 },
    steps: [
      [0, human.starts('alice')],
      [100, human.starts('carol')],
      [800, human.stops('alice')],
      [900, human.says('alice', 'Cy, what happened?')],
      [1000, human.stops('carol')],
    ],
    untilMs: 3000,
    expected: ['1700 speak cy mention'],
  },
  {
    name: 'when silence pick-up is off, then nobody speaks after a long silence',
    options: { chainCap: 0 },
    steps: [...adaSaysHello()],
    untilMs: 600_000,
    expected: ['600 speak ada mention', '1000 floorToHumans'],
  },
  {
    name: 'when silence pick-up is on, then after exactly that silence another character picks up',
    options: { chainCap: 0, pickupAfterMs: 5000 },
    characters: quiet({ ada: 1, bob: 1 }),
    steps: [...adaSaysHello()],
    untilMs: 6000,
    expected: ['600 speak ada mention', '1000 floorToHumans', '6000 speak bob pickup'],
  },
  {
    name: 'when a human speaks during the silence, then the pick-up waits for a full silence again',
    options: { chainCap: 0, pickupAfterMs: 5000 },
    characters: quiet({ ada: 1, bob: 1 }),
    steps: [...adaSaysHello(), [4000, human.starts('alice')], [4200, human.stops('alice')]],
    untilMs: 9300,
    expected: ['600 speak ada mention', '1000 floorToHumans', '9200 speak bob pickup'],
  },
];

describe('FloorController rules', () => {
  it.each(rows)('$name', ({ options, characters, steps, untilMs, expected }) => {
    const { run, commands } = floorHarness(options, characters);
    run(steps, untilMs);
    expect(commands()).toEqual(expected);
  });
});

describe('FloorController chains', () => {
  it.each([0, 1, 2, 3])(
    'when the chain cap is %i, then exactly cap + 1 characters speak before the floor returns',
    (cap) => {
      const characters = [...cast, { id: 'dee', name: 'Dee Fox', talkativeness: 0.5 }];
      const { run, effects } = floorHarness({ chainCap: cap, chainProbability: 1 }, characters, 7, {});
      run(alice(0, 'What a day.'), 60_000);
      const speaks = effects('speak');
      expect(speaks.map((s) => s.plan.chainIndex)).toEqual(Array.from({ length: cap + 1 }, (_, i) => i));
      expect(speaks.slice(1).every((s) => s.plan.reason === 'chain')).toBe(true);
      expect(effects('floorToHumans')).toHaveLength(1);
    },
  );

  it('when characters chain, then each answers the previous one, never itself, and nobody repeats before all spoke', () => {
    const { run, effects } = floorHarness({ chainCap: 2, chainProbability: 1 }, cast, 3, {});
    for (let round = 0; round < 30; round += 1) run(alice(round * 10_000, 'Nice.'), (round + 1) * 10_000 - 1);
    const speaks = effects('speak');
    expect(speaks).toHaveLength(90);
    for (let i = 0; i < 90; i += 3) {
      const round = speaks.slice(i, i + 3);
      expect(new Set(round.map((s) => s.characterId)).size).toBe(3);
      for (const s of round.slice(1)) expect(s.plan.replyTo?.speaker).not.toBe(s.characterId);
    }
  });
});

describe('FloorController barge-in', () => {
  it('when a human barges in, then only the heard part of the reply is kept in the history', () => {
    const { run, floor, log } = floorHarness();
    run([
      ...adaGoesOn(),
      [700, character.ready('ada', 'Well, I think that we should all go sailing tomorrow.')],
      [1000, human.starts('alice')],
      [1310, character.interrupted('ada', 'Well, I think')],
    ]);
    expect(floor.state.history.at(-1)).toMatchObject({ speaker: 'ada', text: 'Well, I think' });
    expect(log.map((l) => l.effect)).toContainEqual({
      type: 'observe',
      observation: { kind: 'turnEnded', characterId: 'ada', text: 'Well, I think', interrupted: true },
    });
  });

  it('when the interruption threshold is 0, then the character is interrupted at the speech onset', () => {
    const { run, commands } = floorHarness({ interruptionMinDurationMs: 0 });
    run([...adaGoesOn(), [900, human.starts('alice')]]);
    expect(commands()).toContain('900 interrupt ada');
  });

  it('when the floor changes hands, then a floor message names the speaker and the humans', () => {
    const { run, effects } = floorHarness();
    run([...adaGoesOn(), [1000, human.starts('alice')]], 1400);
    const messages = effects('publish').map((p) => p.message);
    expect(messages.map((m) => [m.state, m.speaker, m.humans])).toEqual([
      ['human', null, ['alice']],
      ['open', null, []],
      ['character', 'ada', []],
      ['character', 'ada', ['alice']],
      ['human', null, ['alice']],
    ]);
    expect(messages.map((m) => m.seq)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('floor settings', () => {
  it('when a session has no settings, then the documented defaults apply (pick-up off in calls)', () => {
    expect(floorOptionsFromSettings(null)).toEqual({
      chainCap: 2,
      chainProbability: 0.5,
      pickupAfterMs: null,
      allowSelfReply: false,
      interruptionMinDurationMs: 300,
      addressing: 'heuristic',
      aliases: {},
      relationships: [],
    });
  });

  it('when settings name a relationship of a character with itself or an unknown kind, then they are rejected', () => {
    expect(
      GroupSettings.safeParse({ relationships: [{ from: 'ada', to: 'ada', kind: 'friendly' }] }).success,
    ).toBe(false);
    expect(
      GroupSettings.safeParse({ relationships: [{ from: 'ada', to: 'bob', kind: 'smitten' }] }).success,
    ).toBe(false);
  });

  it('when aliases are set for a character, then the floor answers to them', () => {
    const { run, commands } = floorHarness({ chainCap: 0, aliases: { bob: ['Bobby'] } });
    run(alice(0, 'Bobby, your turn.'));
    expect(commands()).toEqual(['600 speak bob mention']);
  });
});

describe('FloorController autonomous topics', () => {
  const cue = {
    text: 'Favourite sea shanties',
    recentChat: ['zed: sing something!'],
    source: 'idle' as const,
  };
  const topic = (characterId?: string): FloorEvent => ({
    type: 'autonomousTopic',
    topic: cue,
    ...(characterId !== undefined && { characterId }),
  });

  it.each<Row>([
    {
      name: 'when the floor is open and a topic names a character, then that character picks up at once',
      options: { chainCap: 0 },
      steps: [[5000, topic('bob')]],
      expected: ['5000 speak bob pickup'],
    },
    {
      name: 'when a topic names no character (or an unknown one), then a weighted choice picks up',
      options: { chainCap: 0 },
      characters: quiet({ cy: 1 }),
      steps: [[5000, topic('nobody-here')]],
      expected: ['5000 speak cy pickup'],
    },
    {
      name: 'when a human is speaking, then the topic is declined and nobody speaks over them',
      options: { chainCap: 0 },
      steps: [
        [1000, human.starts('alice')],
        [1100, topic('bob')],
      ],
      untilMs: 5000,
      expected: [],
    },
    {
      name: 'when a human stopped and their final transcript is due, then the topic is declined and the human is answered',
      options: { chainCap: 0 },
      steps: [
        [1000, human.starts('alice')],
        [1500, human.stops('alice')],
        [1550, topic('bob')],
        [1600, human.says('alice', 'Ada, hello.')],
      ],
      expected: ['1600 speak ada mention'],
    },
    {
      name: 'when a character holds the floor, then the topic is declined',
      options: { chainCap: 0 },
      steps: [...alice(0, 'Ada, go on.'), [700, character.starts('ada')], [800, topic('bob')]],
      untilMs: 5000,
      expected: ['600 speak ada mention'],
    },
    {
      name: 'when a topic is taken, then the others may chain on it up to the cap',
      options: { chainCap: 1, chainProbability: 1 },
      steps: [
        [5000, topic('ada')],
        [5100, character.ready('ada', 'I love a good shanty.')],
        [6000, character.finishes('ada')],
      ],
      expected: ['5000 speak ada pickup', '5100 prepare bob chain', '6000 speak bob chain'],
    },
  ])('$name', ({ options, characters, steps, untilMs, expected }) => {
    const { run, commands } = floorHarness(options, characters);
    run(steps, untilMs);
    expect(commands()).toEqual(expected);
  });

  it('when a topic is taken, then its plan carries the topic and answers nobody', () => {
    const { run, effects } = floorHarness({ chainCap: 0 });
    run([[5000, topic('bob')]]);
    expect(effects('speak')[0]?.plan).toMatchObject({ reason: 'pickup', replyTo: null, topic: cue });
  });

  it('when a topic is declined, then an observation says why', () => {
    const { run, effects } = floorHarness({ chainCap: 0 });
    run([
      [1000, human.starts('alice')],
      [1100, topic('bob')],
    ]);
    expect(effects('observe').map((o) => o.observation)).toContainEqual({
      kind: 'topicDeclined',
      topic: cue,
      why: 'busy',
    });
  });
});
