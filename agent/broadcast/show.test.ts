import { describe, expect, it } from 'vitest';
import { StageMessage } from '../../protocol/index.ts';
import { ManualClock } from '../conversation/group/floor.ts';
import { ShowController, type ShowEffect, type ShowOptions, type ShowResult } from './show.ts';

const cast = [
  { id: 'ada', name: 'Ada Quill' },
  { id: 'bob', name: 'Bob Hart' },
  { id: 'cy', name: 'Cy Moss' },
];

type Step = [atMs: number, command: (show: ShowController) => ShowResult | void];

function showHarness(options: Partial<ShowOptions> = {}, initialActive: string | null = 'ada') {
  const clock = new ManualClock(0);
  const show = new ShowController(cast, options, { clock, scheduler: clock, initialActive });
  const log: Array<{ at: number; effect: ShowEffect }> = [];
  show.subscribe((effect) => log.push({ at: clock.now(), effect }));
  const results: string[] = [];
  const run = (steps: Step[], untilMs?: number) => {
    for (const [at, command] of steps) {
      clock.advanceTo(at);
      const r = command(show);
      if (r)
        results.push(r.ok ? 'ok' : `${r.code}${r.retryAfterMs !== undefined ? ` ${r.retryAfterMs}` : ''}`);
    }
    if (untilMs !== undefined) clock.advanceTo(untilMs);
  };
  /** Effects as "time kind details". */
  const commands = () =>
    log.map(({ at, effect }) => {
      if (effect.type === 'announce') return `${at} announce ${effect.byCharacterId} ${effect.text}`;
      if (effect.type === 'cancelAnnouncement') return `${at} cancelAnnouncement ${effect.byCharacterId}`;
      const m = effect.message;
      switch (m.type) {
        case 'switch':
          return `${at} switch ${m.from ?? '-'}→${m.characterId} ${m.transition} ${m.durationMs}`;
        case 'expression':
        case 'motion':
          return `${at} ${m.type} ${m.characterId} ${m.name}`;
        default:
          return `${at} ${m.type}`;
      }
    });
  const messages = () => log.flatMap(({ effect }) => (effect.type === 'publish' ? [effect.message] : []));
  return { clock, show, run, commands, results, messages };
}

const announced = (switchId: string) => (show: ShowController) => show.announcementFinished(switchId);

interface Row {
  name: string;
  options?: Partial<ShowOptions>;
  initialActive?: string | null;
  steps: Step[];
  untilMs?: number;
  expected: string[];
  results: string[];
  active: string | null;
}

const rows: Row[] = [
  {
    name: 'when switching instantly, then the stage switches at once with no duration',
    steps: [[1000, (s) => s.switchTo('bob', 'instant')]],
    expected: ['1000 switch ada→bob instant 0'],
    results: ['ok'],
    active: 'bob',
  },
  {
    name: 'when switching smoothly, then the switch carries the cross-fade length',
    steps: [[1000, (s) => s.switchTo('bob', 'smooth')]],
    expected: ['1000 switch ada→bob smooth 800'],
    results: ['ok'],
    active: 'bob',
  },
  {
    name: 'when switching dramatically with a host, then the host announces and the switch follows the announcement',
    options: { hostCharacterId: 'cy' },
    steps: [
      [1000, (s) => s.switchTo('bob', 'dramatic')],
      [3200, announced('s1')],
    ],
    expected: ['1000 announce cy And now… Bob Hart!', '3200 switch ada→bob dramatic 1500'],
    results: ['ok'],
    active: 'bob',
  },
  {
    name: 'when switching dramatically without a host, then the outgoing character announces',
    steps: [
      [1000, (s) => s.switchTo('bob', 'dramatic')],
      [2000, announced('s1')],
    ],
    expected: ['1000 announce ada And now… Bob Hart!', '2000 switch ada→bob dramatic 1500'],
    results: ['ok'],
    active: 'bob',
  },
  {
    name: 'when the host is the one brought on, then the outgoing character announces',
    options: { hostCharacterId: 'bob', announceTemplate: 'Please welcome {name}' },
    steps: [[1000, (s) => s.switchTo('bob', 'dramatic')]],
    expected: ['1000 announce ada Please welcome Bob Hart'],
    results: ['ok'],
    active: 'ada',
  },
  {
    name: 'when an announcement never finishes, then the switch completes at the timeout exactly',
    steps: [[1000, (s) => s.switchTo('bob', 'dramatic')]],
    untilMs: 9000,
    expected: ['1000 announce ada And now… Bob Hart!', '9000 switch ada→bob dramatic 1500'],
    results: ['ok'],
    active: 'bob',
  },
  {
    name: 'when nobody is on stage and there is no host, then a dramatic switch goes ahead unannounced',
    initialActive: null,
    steps: [[1000, (s) => s.switchTo('bob', 'dramatic')]],
    expected: ['1000 switch -→bob dramatic 1500'],
    results: ['ok'],
    active: 'bob',
  },
  {
    name: 'when the operator switches during an announcement, then it is cancelled and a late finish is ignored',
    steps: [
      [1000, (s) => s.switchTo('bob', 'dramatic')],
      [1500, (s) => s.switchTo('cy', 'instant')],
      [2000, announced('s1')],
    ],
    untilMs: 20_000,
    expected: [
      '1000 announce ada And now… Bob Hart!',
      '1500 cancelAnnouncement ada',
      '1500 switch ada→cy instant 0',
    ],
    results: ['ok', 'ok'],
    active: 'cy',
  },
  {
    name: 'when the operator switches back to the one on stage during an announcement, then only the announcement stops',
    steps: [
      [1000, (s) => s.switchTo('bob', 'dramatic')],
      [1500, (s) => s.switchTo('ada', 'smooth')],
    ],
    untilMs: 20_000,
    expected: ['1000 announce ada And now… Bob Hart!', '1500 cancelAnnouncement ada'],
    results: ['ok', 'ok'],
    active: 'ada',
  },
  {
    name: 'when chat switches twice within the cooldown, then the second is rate-limited until it passes',
    steps: [
      [1000, (s) => s.switchTo('bob', 'instant', 'chat')],
      [7000, (s) => s.switchTo('cy', 'instant', 'chat')],
      [11_000, (s) => s.switchTo('cy', 'smooth', 'chat')],
    ],
    expected: ['1000 switch ada→bob instant 0', '11000 switch bob→cy smooth 800'],
    results: ['ok', 'rateLimited 4000', 'ok'],
    active: 'cy',
  },
  {
    name: 'when the operator switches often, then it is never rate-limited',
    steps: [
      [1000, (s) => s.switchTo('bob', 'instant')],
      [1001, (s) => s.switchTo('cy', 'instant')],
    ],
    expected: ['1000 switch ada→bob instant 0', '1001 switch bob→cy instant 0'],
    results: ['ok', 'ok'],
    active: 'cy',
  },
  {
    name: 'when chat asks for a switch during an announcement, then it is rejected',
    steps: [
      [1000, (s) => s.switchTo('bob', 'dramatic')],
      [1500, (s) => s.switchTo('cy', 'instant', 'chat')],
    ],
    expected: ['1000 announce ada And now… Bob Hart!'],
    results: ['ok', 'switchPending'],
    active: 'ada',
  },
  {
    name: 'when a switch names an unknown character or the one on stage, then it is rejected without using the cooldown',
    steps: [
      [1000, (s) => s.switchTo('zed', 'instant', 'chat')],
      [1000, (s) => s.switchTo('ada', 'instant', 'chat')],
      [1000, (s) => s.switchTo('bob', 'instant', 'chat')],
    ],
    expected: ['1000 switch ada→bob instant 0'],
    results: ['unknownCharacter', 'alreadyActive', 'ok'],
    active: 'bob',
  },
  {
    name: 'when an allowed expression or motion is asked for, then it goes to the active character by default',
    steps: [
      [1000, (s) => s.expression('happy')],
      [1000, (s) => s.motion('wave', 'bob')],
    ],
    expected: ['1000 expression ada happy', '1000 motion bob wave'],
    results: ['ok', 'ok'],
    active: 'ada',
  },
  {
    name: 'when an unknown expression, motion or character is asked for, then it is rejected',
    steps: [
      [1000, (s) => s.expression('smug')],
      [1000, (s) => s.motion('backflip')],
      [1000, (s) => s.motion('wave', 'zed')],
    ],
    expected: [],
    results: ['unknownExpression', 'unknownMotion', 'unknownCharacter'],
    active: 'ada',
  },
  {
    name: 'when nobody is on stage, then a gesture without a character is rejected',
    initialActive: null,
    steps: [[1000, (s) => s.expression('happy')]],
    expected: [],
    results: ['noActiveCharacter'],
    active: null,
  },
  {
    name: 'when a character has its own lists, then only those apply to it',
    options: { gestures: { bob: { motions: ['moonwalk'] } } },
    steps: [
      [1000, (s) => s.motion('moonwalk', 'bob')],
      [1000, (s) => s.motion('wave', 'bob')],
      [1000, (s) => s.motion('moonwalk', 'ada')],
    ],
    expected: ['1000 motion bob moonwalk'],
    results: ['ok', 'unknownMotion', 'unknownMotion'],
    active: 'ada',
  },
  {
    name: 'when chat sends gestures faster than the cooldown, then the extra ones are rate-limited and rejected ones cost nothing',
    steps: [
      [1000, (s) => s.expression('smug', undefined, 'chat')],
      [1000, (s) => s.expression('happy', undefined, 'chat')],
      [2000, (s) => s.motion('wave', undefined, 'chat')],
      [4000, (s) => s.motion('wave', undefined, 'chat')],
    ],
    expected: ['1000 expression ada happy', '4000 motion ada wave'],
    results: ['unknownExpression', 'ok', 'rateLimited 2000', 'ok'],
    active: 'ada',
  },
];

describe('ShowController rules', () => {
  it.each(rows)('$name', ({ options, initialActive, steps, untilMs, expected, results, active }) => {
    const h = showHarness(options, initialActive === undefined ? 'ada' : initialActive);
    h.run(steps, untilMs);
    expect(h.commands()).toEqual(expected);
    expect(h.results).toEqual(results);
    expect(h.show.active).toBe(active);
  });
});

describe('ShowController stage messages', () => {
  it('when anything is shown, then every message fits the stage contract and seq increases by one', () => {
    const h = showHarness({ hostCharacterId: 'cy' });
    h.run([
      [0, (s) => s.speaking('ada', 'character', true)],
      [10, (s) => s.caption('ada', 'Ada Quill', 'Hello the', false)],
      [20, (s) => s.caption('ada', 'Ada Quill', '  Hello there, chat!  ', true)],
      [30, (s) => s.chat('zed', 'hi ada', '#FF8800')],
      [40, (s) => s.notice({ type: 'raid', user: 'rex', amount: 40 })],
      [50, (s) => s.expression('happy')],
      [60, (s) => s.switchTo('bob', 'dramatic')],
      [70, announced('s1')],
      [80, (s) => void s.publishState()],
    ]);
    const messages = h.messages();
    expect(messages.map((m) => m.type)).toEqual([
      'speaking',
      'caption',
      'caption',
      'chat',
      'notice',
      'expression',
      'switch',
      'stage',
    ]);
    for (const m of messages) expect(StageMessage.parse(m)).toEqual(m);
    expect(messages.map((m) => m.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(messages[2]).toMatchObject({ text: 'Hello there, chat!', final: true });
    expect(messages.at(-1)).toEqual({
      type: 'stage',
      seq: 7,
      active: 'bob',
      cast,
      expressions: { ada: 'happy' },
    });
  });

  it('when a chat line is blank or its colour malformed, then blank ones are dropped and the colour left out', () => {
    const h = showHarness();
    h.run([
      [0, (s) => s.chat('zed', '   ')],
      [0, (s) => s.chat('zed', 'x'.repeat(600), 'red')],
    ]);
    const [line, ...rest] = h.messages();
    expect(rest).toEqual([]);
    expect(line).toEqual({ type: 'chat', seq: 0, user: 'zed', text: 'x'.repeat(500) });
  });

  it('when an unknown gesture is rejected, then the message names the allowed ones for the chat user', () => {
    const { show } = showHarness({ expressions: ['happy', 'sad'] });
    expect(show.expression('smug', undefined, 'chat')).toEqual({
      ok: false,
      code: 'unknownExpression',
      message: 'Ada Quill has no expression "smug". Try: happy, sad.',
    });
  });

  it('when stage messages break the contract, then the schema rejects them', () => {
    const bad = [
      { type: 'switch', seq: 0, characterId: 'bob', from: null, transition: 'wipe', durationMs: 0 },
      { type: 'expression', seq: 0, characterId: 'bob', name: 'big grin' },
      { type: 'caption', seq: -1, speaker: 'ada', name: 'Ada', text: 'hi', final: true },
      { type: 'chat', seq: 0, user: 'zed', text: '' },
      { type: 'notice', seq: 0, notice: { type: 'host', user: 'zed' } },
    ];
    for (const m of bad) expect(StageMessage.safeParse(m).success, JSON.stringify(m)).toBe(false);
  });

  it('when closed during an announcement, then its timer is gone', () => {
    const { show, clock, run } = showHarness();
    run([[0, (s) => s.switchTo('bob', 'dramatic')]]);
    show.close();
    expect(clock.pending).toBe(0);
  });
});
