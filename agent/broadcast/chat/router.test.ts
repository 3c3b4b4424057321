import { describe, expect, it } from 'vitest';
import { type ChatRouterOptions, ChatRouter, type ChatCounters } from './router.ts';
import type { ChatMessage, ChatRemoval, ChatTags, RoutedItem } from './types.ts';

const CAST = [
  { id: 'ada', name: 'Ada Lovelace' },
  { id: 'gale', name: 'Captain Barnaby Gale' },
  { id: 'mina', name: 'Dr Mina Pryce', aliases: ['Doc'] },
];

class FakeClock {
  t = 1_000_000;
  now = () => this.t;
}

let seq = 0;
const msg = (
  user: string,
  text: string,
  tags: ChatTags = {},
  extra: Partial<ChatMessage> = {},
): ChatMessage => ({
  user,
  displayName: user.toUpperCase(),
  text,
  tags,
  at: (seq += 1),
  ...extra,
});

function setup(options: Partial<ChatRouterOptions> = {}) {
  const clock = new FakeClock();
  const router = new ChatRouter({ characters: CAST, ...options }, clock);
  return { clock, router };
}

const drain = (router: ChatRouter): RoutedItem[] => {
  const out: RoutedItem[] = [];
  for (let item = router.next(); item; item = router.next()) out.push(item);
  return out;
};

const addsUp = (c: ChatCounters) =>
  c.received ===
  c.routed + c.rateLimited + c.duplicates + c.dropped + c.blocked + c.ignored + c.removed + c.queued;

describe('ChatRouter: reading lines', () => {
  const cases: Array<[string, string, Partial<RoutedItem> | null]> = [
    [
      '!ask with a first name',
      '!ask Ada what is a loom?',
      { kind: 'ask', character: 'ada', text: 'what is a loom?' },
    ],
    [
      '!ask with a full multi-word name',
      '!ask Captain Barnaby Gale, where to?',
      { kind: 'ask', character: 'gale', text: 'where to?' },
    ],
    ['!ask with an @name', '!ask @mina hello', { kind: 'ask', character: 'mina', text: 'hello' }],
    ['!ask with an alias', '!ASK doc are you real', { kind: 'ask', character: 'mina', text: 'are you real' }],
    ['!ask an unknown character', '!ask zed hi', null],
    ['!ask with no question', '!ask ada', null],
    ['!expression', '!expression Happy', { kind: 'command', name: 'expression', arg: 'happy' }],
    ['!motion', '!motion wave', { kind: 'command', name: 'motion', arg: 'wave' }],
    [
      '!switch by title and last name',
      '!switch Captain Gale',
      { kind: 'command', name: 'switch', arg: 'gale' },
    ],
    ['!switch to nobody', '!switch zed', null],
    ['!topic', '!topic  the history of tea ', { kind: 'command', name: 'topic', arg: 'the history of tea' }],
    ['another bot’s command', '!uptime', null],
    ['a mention of a first name', 'I think Ada is right', { kind: 'mention', characters: ['ada'] }],
    [
      'a mention of a multi-word name',
      'what does Barnaby Gale think?',
      { kind: 'mention', characters: ['gale'] },
    ],
    [
      'mentions of two, in order',
      'Mina and @Ada, who wins?',
      { kind: 'mention', characters: ['mina', 'ada'] },
    ],
    ['plain chat', 'LUL nice stream', null],
  ];
  it.each(cases)('when a viewer writes %s, then it routes as expected', (_name, text, expected) => {
    const { router } = setup();
    router.receive(msg('viewer1', text));
    const [item] = drain(router);
    if (expected === null) {
      expect(item).toBeUndefined();
      expect(router.counters().ignored).toBe(1);
    } else {
      expect(item).toMatchObject({ ...expected, user: 'viewer1', displayName: 'VIEWER1' });
    }
  });

  it('when commands are limited by role, then a viewer’s !switch is ignored and a moderator’s goes through', () => {
    const { router } = setup({ commandRoles: { switch: 'moderator' } });
    router.receive(msg('v', '!switch ada'));
    router.receive(msg('m', '!switch ada', { mod: true }));
    expect(drain(router).map((i) => i.user)).toEqual(['m']);
  });

  it('when expressions are listed, then only a listed one is accepted', () => {
    const { router } = setup({ expressions: ['happy', 'sad'] });
    router.receive(msg('a', '!expression angry'));
    router.receive(msg('b', '!expression sad'));
    expect(drain(router)).toMatchObject([{ kind: 'command', name: 'expression', arg: 'sad' }]);
  });

  it('when plain chat arrives, then it is kept as recent context, bounded, and not answered', () => {
    const { router } = setup({ contextSize: 3 });
    for (const t of ['one', 'two', 'three', 'four']) router.receive(msg('v' + t, `line ${t}`));
    expect(router.recentChat().map((l) => l.text)).toEqual(['line two', 'line three', 'line four']);
    expect(router.size).toBe(0);
  });

  it('when the bot’s own login speaks, then it is ignored', () => {
    const { router } = setup({ ignoreUsers: ['TroupeBot'] });
    router.receive(msg('troupebot', 'Ada, hello'));
    expect(router.counters()).toMatchObject({ received: 1, ignored: 1, queued: 0 });
  });
});

describe('ChatRouter: notices', () => {
  it('when subs, resubs, gifts, raids and cheers arrive, then each becomes a notice with its detail', () => {
    const { router } = setup();
    router.receive(msg('s1', '', { msgId: 'sub', months: 1 }));
    router.receive(msg('s2', 'two years!', { msgId: 'resub', months: 24 }));
    router.receive(msg('g', '', { msgId: 'submysterygift', count: 5 }));
    router.receive(msg('r', '', { msgId: 'raid', viewers: 120 }));
    router.receive(msg('c', 'Cheer100 great show', { bits: 100 }));
    const items = drain(router);
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'notice', type: 'sub', user: 's1', detail: { months: 1 } }),
        expect.objectContaining({
          kind: 'notice',
          type: 'resub',
          detail: { months: 24, text: 'two years!' },
        }),
        expect.objectContaining({ kind: 'notice', type: 'submysterygift', detail: { count: 5 } }),
        expect.objectContaining({ kind: 'notice', type: 'raid', detail: { viewers: 120 } }),
        expect.objectContaining({
          kind: 'notice',
          type: 'bits',
          bits: 100,
          detail: { bits: 100, text: 'Cheer100 great show' },
        }),
      ]),
    );
    expect(items).toHaveLength(5);
  });

  it('when a resub message carries a link, then the notice stays and the words go', () => {
    const { router } = setup();
    router.receive(msg('s', 'visit evil.com/x', { msgId: 'resub', months: 3 }));
    expect(drain(router)).toMatchObject([{ kind: 'notice', type: 'resub', detail: { months: 3 } }]);
    expect(router.counters().blocked).toBe(0);
  });

  it('when the same message id arrives twice (a reconnect replay), then the second is a duplicate', () => {
    const { router } = setup();
    router.receive(msg('s', '', { msgId: 'sub' }, { id: 'abc' }));
    router.receive(msg('s', '', { msgId: 'sub' }, { id: 'abc' }));
    expect(router.counters()).toMatchObject({ received: 2, duplicates: 1, queued: 1 });
  });
});

describe('ChatRouter: rate limits on a fake clock', () => {
  it('when a viewer asks twice within 10 s, then the second is rate-limited, and after 10 s they may ask again', () => {
    const { router, clock } = setup();
    router.receive(msg('v', 'Ada, first?'));
    clock.t += 5_000;
    router.receive(msg('v', 'Ada, second?'));
    clock.t += 5_000;
    router.receive(msg('v', 'Ada, third?'));
    expect(drain(router).map((i) => (i.kind === 'mention' ? i.text : ''))).toEqual([
      'Ada, first?',
      'Ada, third?',
    ]);
    expect(router.counters()).toMatchObject({ received: 3, rateLimited: 1, routed: 2 });
  });

  it('when a viewer asks and then uses commands, then commands have their own bucket', () => {
    const { router } = setup();
    router.receive(msg('v', '!ask ada hi'));
    router.receive(msg('v', '!motion wave'));
    router.receive(msg('v', '!expression happy'));
    router.receive(msg('v', '!topic tea'));
    router.receive(msg('v', 'Ada again'));
    expect(drain(router).map((i) => i.kind)).toEqual(['ask', 'command', 'command']);
    expect(router.counters().rateLimited).toBe(2);
  });

  it('when the broadcaster or a cheerer speaks often, then no limit applies', () => {
    const { router } = setup();
    for (let i = 0; i < 3; i += 1) router.receive(msg('boss', `Ada, question ${i}`, { broadcaster: true }));
    for (let i = 0; i < 3; i += 1) router.receive(msg('fan', `Ada, cheer ${i}`, { bits: 10 }));
    expect(router.counters()).toMatchObject({ rateLimited: 0, queued: 6 });
  });
});

describe('ChatRouter: duplicates', () => {
  it('when a viewer repeats themselves within 30 s, then it is a duplicate, and after the window it is not', () => {
    const { router, clock } = setup({ answerLimit: { burst: 10, refillMs: 1 } });
    router.receive(msg('v', 'Ada, hello!'));
    clock.t += 10_000;
    router.receive(msg('v', 'ada   HELLOOOOO'));
    clock.t += 31_000;
    router.receive(msg('v', 'Ada, hello'));
    expect(router.counters()).toMatchObject({ received: 3, duplicates: 1, queued: 2 });
  });

  it('when many viewers paste the same line within 5 s, then it collapses to the first', () => {
    const { router, clock } = setup();
    for (let i = 0; i < 10; i += 1) {
      router.receive(msg(`v${i}`, 'Ada sing us a song'));
      clock.t += 400;
    }
    clock.t += 6_000;
    router.receive(msg('late', 'Ada sing us a song'));
    expect(router.counters()).toMatchObject({ received: 11, duplicates: 9, queued: 2 });
  });
});

describe('ChatRouter: priority and the bounded queue', () => {
  it('when items of every class wait, then they leave broadcaster, moderator, notice, bits (by amount), subscriber, viewer; FIFO within a class', () => {
    const { router } = setup();
    router.receive(msg('viewer1', 'Ada one'));
    router.receive(msg('sub1', 'Ada two', { subscriber: true }));
    router.receive(msg('bits10', 'Ada three', { bits: 10 }));
    router.receive(msg('viewer2', 'Ada four'));
    router.receive(msg('bits500', 'Ada five', { bits: 500 }));
    router.receive(msg('mod1', 'Ada six', { badges: { moderator: '1' } }));
    router.receive(msg('raider', '', { msgId: 'raid', viewers: 5 }));
    router.receive(msg('boss', 'Ada seven', { badges: { broadcaster: '1' } }));
    router.receive(msg('sub2', 'Ada eight', { badges: { founder: '0' } }));
    expect(drain(router).map((i) => i.user)).toEqual([
      'boss',
      'mod1',
      'raider',
      'bits500',
      'bits10',
      'sub1',
      'sub2',
      'viewer1',
      'viewer2',
    ]);
  });

  it('when the queue overflows, then the oldest of the lowest class is dropped and counted, and the counters add up', () => {
    const { router } = setup({ queueCapacity: 3 });
    const dropped: string[] = [];
    router.subscribe((e) => e.type === 'dropped' && dropped.push(e.item.user));
    router.receive(msg('v1', 'Ada a'));
    router.receive(msg('v2', 'Ada b'));
    router.receive(msg('s1', 'Ada c', { subscriber: true }));
    router.receive(msg('s2', 'Ada d', { subscriber: true })); // drops v1
    router.receive(msg('v3', 'Ada e')); // drops v2, the oldest viewer: v3 is a viewer too
    router.receive(msg('m1', 'Ada f', { mod: true })); // drops v3
    router.receive(msg('v4', 'Ada g')); // lower than all waiting: dropped itself
    expect(dropped).toEqual(['v1', 'v2', 'v3', 'v4']);
    expect(drain(router).map((i) => i.user)).toEqual(['m1', 's1', 's2']);
    const c = router.counters();
    expect(c).toMatchObject({ received: 7, dropped: 4, routed: 3, queued: 0 });
    expect(addsUp(c)).toBe(true);
  });

  it('when an item waits longer than maxAgeMs, then it is dropped as stale', () => {
    const { router, clock } = setup({ maxAgeMs: 60_000 });
    router.receive(msg('v1', 'Ada old'));
    clock.t += 61_000;
    router.receive(msg('v2', 'Ada new'));
    expect(drain(router).map((i) => i.user)).toEqual(['v2']);
    expect(router.counters()).toMatchObject({ dropped: 1, routed: 1 });
  });
});

describe('ChatRouter: moderation of chat coming in', () => {
  it('when a line has a blocked word, a link or is too long, then it is blocked', () => {
    const { router } = setup({ moderation: { blocklist: ['badword'], maxLength: 50 } });
    router.receive(msg('a', 'Ada, b4dw0rd!'));
    router.receive(msg('b', 'Ada go to evil dot com'));
    router.receive(msg('c', `Ada ${'x'.repeat(60)}`));
    router.receive(msg('d', 'Ada, all good?'));
    expect(router.counters()).toMatchObject({ received: 4, blocked: 3, queued: 1 });
  });
});

describe('ChatRouter: counters under a random mix', () => {
  it('when 2,000 lines of every kind arrive over 10 s of fake time, then the counters add up and the state stays bounded', () => {
    const { router, clock } = setup({
      maxTracked: 200,
      queueCapacity: 50,
      moderation: { blocklist: ['spam'] },
    });
    const texts = [
      'Ada hi',
      '!ask mina why',
      '!motion wave',
      'hello all',
      'spam spam',
      'Gale?',
      '',
      'see x.com/y',
    ];
    let rnd = 42;
    const random = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2_000; i += 1) {
      clock.t += 5;
      const tags: ChatTags = random() < 0.1 ? { subscriber: true } : random() < 0.02 ? { msgId: 'sub' } : {};
      router.receive(
        msg(
          `u${Math.floor(random() * 400)}`,
          `${texts[i % texts.length]} ${Math.floor(random() * 100)}`,
          tags,
        ),
      );
      if (i % 100 === 0) router.next();
    }
    const c = router.counters();
    expect(c.received).toBe(2_000);
    expect(addsUp(c)).toBe(true);
    expect(c.rateLimited).toBeGreaterThan(0);
    expect(c.dropped).toBeGreaterThan(0);
    const t = router.tracked();
    expect(t.queue).toBeLessThanOrEqual(50);
    expect(t.answerBuckets).toBeLessThanOrEqual(200);
    expect(t.commandBuckets).toBeLessThanOrEqual(200);
    expect(t.seen).toBeLessThanOrEqual(600);
  });
});

// Regression: a message a Twitch moderator deleted, or the lines of a chatter they timed out or
// banned, stayed in the queue and were answered aloud and captioned anyway.
describe('ChatRouter: lines a moderator takes back', () => {
  /** A router with roomy limits and five queued lines: two from ann (ids a1, a2), one each from bo, cy, di. */
  function queued() {
    const s = setup({ answerLimit: { burst: 5, refillMs: 10_000 }, commandLimit: { burst: 5, refillMs: 1 } });
    const events: string[] = [];
    s.router.subscribe((e) => {
      if (e.type === 'removed') events.push(`removed ${e.item.messageId ?? e.item.user}`);
      if (e.type === 'removal') events.push(`removal ${e.removal.kind}`);
    });
    s.router.receive(msg('ann', 'Ada, first question?', {}, { id: 'a1' }));
    s.router.receive(msg('Ann', '!ask gale second question', {}, { id: 'a2' }));
    s.router.receive(msg('bo', 'Doc, are you real?', {}, { id: 'b1' }));
    s.router.receive(msg('cy', '!topic the sea', {}, { id: 'c1' }));
    s.router.receive(msg('di', 'Barnaby, where to?', { subscriber: true }, { id: 'd1' }));
    expect(s.router.size).toBe(5);
    return { ...s, events };
  }
  const idsOf = (items: RoutedItem[]) => items.map((i) => i.messageId);

  it('when lines are queued, then each keeps its message id and its author', () => {
    const { router } = queued();
    expect(drain(router).map((i) => [i.messageId, i.user])).toEqual([
      ['d1', 'di'],
      ['a1', 'ann'],
      ['a2', 'ann'],
      ['b1', 'bo'],
      ['c1', 'cy'],
    ]);
  });

  it.each<[string, ChatRemoval, string[], string[]]>([
    [
      'one message is deleted',
      { kind: 'message', messageId: 'a1', user: 'ann' },
      ['a1'],
      ['d1', 'a2', 'b1', 'c1'],
    ],
    [
      'a message nobody queued is deleted',
      { kind: 'message', messageId: 'zz' },
      [],
      ['d1', 'a1', 'a2', 'b1', 'c1'],
    ],
    [
      'a chatter is timed out',
      { kind: 'user', user: 'ann', action: 'timeout' },
      ['a1', 'a2'],
      ['d1', 'b1', 'c1'],
    ],
    [
      'a chatter is banned (any case)',
      { kind: 'user', user: 'DI', action: 'ban' },
      ['d1'],
      ['a1', 'a2', 'b1', 'c1'],
    ],
    ['the chat is cleared', { kind: 'all' }, ['a1', 'a2', 'b1', 'c1', 'd1'], []],
  ])(
    'when %s, then exactly the lines it covers leave the queue, counted as removed',
    (_what, removal, gone, left) => {
      const { router, events } = queued();
      expect(router.remove(removal)).toBe(gone.length);
      expect(events).toEqual([...gone.map((id) => `removed ${id}`), `removal ${removal.kind}`]);
      const c = router.counters();
      expect(c).toMatchObject({ received: 5, removed: gone.length, queued: left.length });
      expect(addsUp(c)).toBe(true);
      expect(idsOf(drain(router))).toEqual(left);
      expect(addsUp(router.counters())).toBe(true);
    },
  );

  it('when a line is taken back, then autonomous talk no longer sees it among the recent chat', () => {
    const { router } = queued();
    router.receive(msg('ann', 'just chatting', {}, { id: 'a3' }));
    router.receive(msg('bo', 'me too', {}, { id: 'b2' }));
    router.remove({ kind: 'message', messageId: 'a1' });
    router.remove({ kind: 'user', user: 'bo', action: 'timeout' });
    expect(router.recentChat().map((l) => l.text)).toEqual([
      '!ask gale second question',
      'Barnaby, where to?',
      'just chatting',
    ]);
    router.remove({ kind: 'all' });
    expect(router.recentChat()).toEqual([]);
  });

  it('when an item taken for the floor is discarded after a removal, then it counts as removed, not routed', () => {
    const { router } = queued();
    const taken = router.next() as RoutedItem;
    router.remove({ kind: 'message', messageId: taken.messageId as string });
    router.discard(taken);
    expect(router.counters()).toMatchObject({ routed: 0, removed: 1, queued: 4 });
    expect(addsUp(router.counters())).toBe(true);
  });

  it('when a chatter is timed out, then their later lines are routed again once they may speak (Twitch enforces the timeout)', () => {
    const { router, clock } = queued();
    router.remove({ kind: 'user', user: 'bo', action: 'timeout' });
    clock.t += 600_000;
    router.receive(msg('bo', 'Ada, I am back', {}, { id: 'b9' }));
    expect(idsOf(drain(router))).toContain('b9');
  });
});
