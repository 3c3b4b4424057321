import { describe, expect, it } from 'vitest';
import { AutonomousSettings } from '../../protocol/index.ts';
import {
  autonomousOptionsFromSettings,
  defaultNoticePolicies,
  type AutonomousOptions,
} from './autonomous.ts';
import { cast, directorHarness, ev, type Step } from './autonomous-testing.ts';

const agenda = ['A', 'B', 'C'];

interface Row {
  name: string;
  options?: Partial<AutonomousOptions>;
  /** How long a taken turn is audible (stand-in floor); undefined: events only. */
  durationMs?: number;
  steps?: Step[];
  untilMs: number;
  expected: string[];
}

const rows: Row[] = [
  // Idle threshold and cadence.
  {
    name: 'when chat has been idle 1 ms less than the threshold, then nobody starts',
    options: { agenda },
    untilMs: 19_999,
    expected: [],
  },
  {
    name: 'when chat has been idle exactly the threshold, then the first agenda topic starts then',
    options: { agenda },
    untilMs: 20_000,
    expected: ['20000 startTopic idle A'],
  },
  {
    name: 'when an autonomous turn ends, then the next starts exactly a cadence later',
    options: { agenda },
    durationMs: 5000,
    untilMs: 40_000,
    expected: ['20000 startTopic idle A', '40000 startTopic cadence B'],
  },
  {
    name: 'when the idle threshold is shorter than the cadence, then the first start keeps to the threshold',
    options: { agenda, idleAfterMs: 5000, cadenceMs: 60_000 },
    durationMs: 1000,
    untilMs: 70_000,
    expected: ['5000 startTopic idle A', '66000 startTopic cadence B'],
  },
  {
    name: 'when the floor never takes a topic, then the next comes a cadence after the previous start',
    options: { agenda },
    untilMs: 35_000,
    expected: ['20000 startTopic idle A', '35000 startTopic cadence B'],
  },
  // Yielding to people in the room.
  {
    name: 'when a person speaks across the threshold, then nothing starts until a cadence after they stop',
    options: { agenda },
    steps: [
      [19_000, ev.humanStarts()],
      [30_000, ev.humanStops()],
    ],
    untilMs: 45_000,
    expected: ['45000 startTopic idle A'],
  },
  {
    name: 'when a person starts speaking 1 ms before a due turn, then it waits for them',
    options: { agenda },
    durationMs: 5000,
    steps: [
      [39_999, ev.humanStarts()],
      [41_000, ev.humanStops()],
    ],
    untilMs: 56_000,
    expected: ['20000 startTopic idle A', '56000 startTopic idle B'],
  },
  // Yielding to chat.
  {
    name: 'when chat is active, then every message restarts the idle clock',
    options: { agenda },
    steps: [
      [10_000, ev.chat()],
      [25_000, ev.chat()],
    ],
    untilMs: 45_000,
    expected: ['45000 startTopic idle A'],
  },
  {
    name: 'when chat speaks up between autonomous turns, then the next waits for idle again',
    options: { agenda },
    durationMs: 5000,
    steps: [[30_000, ev.chat()]],
    untilMs: 50_000,
    expected: ['20000 startTopic idle A', '50000 startTopic idle B'],
  },
  // The floor.
  {
    name: 'when the floor is busy at the threshold, then the start waits for it to open plus a cadence',
    options: { agenda },
    steps: [
      [19_000, ev.busy()],
      [27_000, ev.open()],
    ],
    untilMs: 42_000,
    expected: ['42000 startTopic idle A'],
  },
  {
    name: 'when a character outside the floor is audible, then nothing starts over it',
    options: { agenda },
    steps: [
      [19_000, ev.speaking('bob')],
      [21_000, ev.finished('bob')],
    ],
    untilMs: 36_000,
    expected: ['36000 startTopic idle A'],
  },
  // Turns in a row.
  {
    name: 'when maxConsecutive turns ran in a row, then the next waits the long pause, then cadence again',
    options: { agenda, maxConsecutive: 2, longPauseMs: 60_000 },
    durationMs: 5000,
    untilMs: 125_000,
    expected: [
      '20000 startTopic idle A',
      '40000 startTopic cadence B',
      '105000 startTopic cadence C',
      '125000 startTopic cadence A',
    ],
  },
  {
    name: 'when a person speaks after turns in a row, then the count starts again',
    options: { agenda, maxConsecutive: 2, longPauseMs: 60_000 },
    durationMs: 5000,
    steps: [
      [46_000, ev.humanStarts()],
      [47_000, ev.humanStops()],
    ],
    untilMs: 82_000,
    expected: [
      '20000 startTopic idle A',
      '40000 startTopic cadence B',
      '62000 startTopic idle C',
      '82000 startTopic cadence A',
    ],
  },
  // Agenda.
  {
    name: 'when the agenda is used up, then it starts again from the first topic',
    options: { agenda },
    durationMs: 1000,
    untilMs: 68_000,
    expected: [
      '20000 startTopic idle A',
      '36000 startTopic cadence B',
      '52000 startTopic cadence C',
      '68000 startTopic cadence A',
    ],
  },
  {
    name: 'when the agenda is empty, then topics are left to the characters',
    untilMs: 20_000,
    expected: ['20000 startTopic idle -'],
  },
  {
    name: 'when topics are off, then nothing starts but notices still get reactions',
    options: { agenda, topicsEnabled: false },
    durationMs: 1000,
    steps: [[1000, ev.notice('raid', 'rex', 12)]],
    untilMs: 100_000,
    expected: ['1000 react raid×1'],
  },
  // Notices.
  {
    name: 'when a raid arrives while the floor is busy and chat is lively, then the reaction comes the moment it opens',
    options: { agenda },
    steps: [
      [1000, ev.busy()],
      [2000, ev.notice('raid', 'rex', 40)],
      [4000, ev.chat()],
      [5000, ev.open()],
    ],
    untilMs: 6000,
    expected: ['5000 react raid×1'],
  },
  {
    name: 'when two raids arrive together, then each gets its own reaction, one after the other',
    durationMs: 3000,
    steps: [
      [1000, ev.notice('raid', 'rex', 40)],
      [1000, ev.notice('raid', 'ray', 5)],
    ],
    untilMs: 5000,
    expected: ['1000 react raid×1', '4000 react raid×1'],
  },
  {
    name: 'when subs arrive within the window, then one reaction thanks them all at its end',
    steps: ['ann', 'bo', 'cy', 'dee', 'eve'].map((u, i): Step => [1000 + i * 1000, ev.notice('sub', u)]),
    untilMs: 6000,
    expected: ['6000 react sub×5'],
  },
  {
    name: 'when a sub follows a sub reaction within the cooldown, then it waits for the cooldown',
    options: { topicsEnabled: false },
    durationMs: 2000,
    steps: [
      [1000, ev.notice('sub', 'ann')],
      [7000, ev.notice('sub', 'bo')],
      [8000, ev.notice('sub', 'cy')],
    ],
    untilMs: 36_000,
    expected: ['6000 react sub×1', '36000 react sub×2'],
  },
  {
    name: 'when a notice arrives while a person speaks, then the reaction waits until they stopped and the grace passed',
    steps: [
      [1000, ev.humanStarts()],
      [2000, ev.notice('raid', 'rex')],
      [5000, ev.humanStops()],
    ],
    untilMs: 7000,
    expected: ['6500 react raid×1'],
  },
  {
    name: 'when a reaction and a topic are both due, then the reaction goes first',
    options: { agenda },
    durationMs: 2000,
    steps: [
      [10_000, ev.busy()],
      [10_000, ev.notice('raid', 'rex')],
      [20_000, ev.open()],
    ],
    untilMs: 37_000,
    expected: ['20000 react raid×1', '37000 startTopic idle A'],
  },
  {
    name: 'when the floor does not take a reaction, then it is retried after the confirm timeout',
    steps: [[1000, ev.notice('raid', 'rex')]],
    untilMs: 7000,
    expected: ['1000 react raid×1', '4000 react raid×1', '7000 react raid×1'],
  },
  {
    name: 'when the floor stays busy past the notice TTL, then the notice is dropped',
    options: { noticeTtlMs: 10_000 },
    steps: [
      [0, ev.busy()],
      [1000, ev.notice('raid', 'rex')],
      [12_000, ev.open()],
    ],
    untilMs: 13_000,
    expected: [],
  },
  {
    name: 'when a kind of notice is switched off, then it gets no reaction',
    options: { notices: { ...defaultNoticePolicies, follow: null } },
    steps: [[1000, ev.notice('follow', 'fay')]],
    untilMs: 19_000,
    expected: [],
  },
];

describe('AutonomousDirector rules', () => {
  it.each(rows)('$name', ({ options, durationMs, steps = [], untilMs, expected }) => {
    const { run, commands } = directorHarness(options, cast, 1, durationMs);
    run(steps, untilMs);
    expect(commands()).toEqual(expected);
  });
});

describe('AutonomousDirector choices', () => {
  it('when subs are thanked together, then the reaction text counts and names them', () => {
    const { run, effects } = directorHarness();
    run(
      ['ann', 'bo', 'cy', 'dee', 'eve'].map((u, i): Step => [1000 + i * 100, ev.notice('sub', u)]),
      7000,
    );
    expect(effects('react')[0]?.text).toBe(
      '5 people just subscribed (ann, bo and 3 others): thank the 5 new subscribers together.',
    );
  });

  it('when chat was active, then a topic carries the latest lines, oldest first, within the window and age', () => {
    const { run, effects } = directorHarness({ agenda, recentChatWindow: 2, recentChatMaxAgeMs: 25_000 });
    run(
      [
        [1000, ev.chat('old', 'way back')],
        [2000, ev.chat('ann', 'sing!')],
        [3000, ev.chat('bo', 'a shanty please')],
      ],
      23_000,
    );
    expect(effects('startTopic')[0]).toMatchObject({ recentChat: ['ann: sing!', 'bo: a shanty please'] });
    const later = directorHarness({ agenda, recentChatMaxAgeMs: 10_000 });
    later.run([[1000, ev.chat('ann', 'sing!')]], 21_000);
    expect(later.effects('startTopic')[0]?.recentChat).toEqual([]);
  });

  it('when the agenda is shuffled, then each cycle covers every topic and no topic comes twice in a row', () => {
    const topics = ['A', 'B', 'C', 'D', 'E'];
    const { run, effects } = directorHarness(
      { agenda: topics, agendaOrder: 'shuffled', maxConsecutive: 100 },
      cast,
      5,
      1000,
    );
    run([], 20_000 + 16_000 * 49);
    const said = effects('startTopic').map((e) => e.topic);
    expect(said).toHaveLength(50);
    for (let i = 0; i < 50; i += 5) expect(new Set(said.slice(i, i + 5)).size).toBe(5);
    for (let i = 1; i < 50; i += 1) expect(said[i]).not.toBe(said[i - 1]);
    expect(said.slice(0, 5)).not.toEqual(topics);
  });

  it('when picking round-robin, then characters start in cast order, skipping the silent ones', () => {
    const characters = [...cast, { id: 'dee', name: 'Dee', talkativeness: 0 }];
    const { run, commands } = directorHarness(
      { pick: 'round-robin', maxConsecutive: 100 },
      characters,
      1,
      1000,
    );
    run([], 20_000 + 16_000 * 4);
    expect(commands(true).map((c) => c.split(' ')[2])).toEqual(['ada', 'bob', 'cy', 'ada', 'bob']);
  });

  it('when picking weighted, then the talkative start more often but fairness gives everyone turns', () => {
    const characters = [
      { id: 'ada', name: 'Ada', talkativeness: 1 },
      { id: 'bob', name: 'Bob', talkativeness: 0.2 },
      { id: 'cy', name: 'Cy', talkativeness: 0 },
    ];
    const { run, effects } = directorHarness({ maxConsecutive: 1000 }, characters, 3, 1000);
    run([], 20_000 + 16_000 * 199);
    const counts = effects('startTopic').reduce<Record<string, number>>(
      (acc, e) => ({ ...acc, [e.characterId ?? '-']: (acc[e.characterId ?? '-'] ?? 0) + 1 }),
      {},
    );
    expect(counts.cy).toBeUndefined();
    expect(counts.ada).toBeGreaterThan(counts.bob ?? 0);
    expect(counts.bob).toBeGreaterThan(30);
  });

  it('when the same seed is used, then the same characters are picked', () => {
    const picks = (seed: number) => {
      const h = directorHarness({ maxConsecutive: 100 }, cast, seed, 1000);
      h.run([], 20_000 + 16_000 * 9);
      return h.commands(true);
    };
    expect(picks(9)).toEqual(picks(9));
  });

  it('when picking is left to the floor, then no character is named', () => {
    const { run, effects } = directorHarness({ pick: 'floor' });
    run([], 20_000);
    expect(effects('startTopic')[0]).not.toHaveProperty('characterId');
  });

  it('when closed, then its timer is gone and events are ignored', () => {
    const { director, clock, run, commands } = directorHarness({ agenda });
    director.close();
    run([[1000, ev.notice('raid', 'rex')]], 100_000);
    expect(commands()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('when built from stored broadcast settings, then they apply and disabled means reactions only', () => {
    const settings = AutonomousSettings.parse({ agenda: ['X'], idleAfterMs: 30_000 });
    expect(autonomousOptionsFromSettings(settings)).toEqual({
      topicsEnabled: false,
      idleAfterMs: 30_000,
      cadenceMs: settings.cadenceMs,
      agenda: ['X'],
    });
  });
});
