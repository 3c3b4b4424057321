// tmi.js against a real IRC server (ngircd) through a WebSocket gateway (see test/support/ngircd.ts).
// Twitch's tags (badges, bits, notices) do not come from ngircd: the router tests cover those. The
// gateway gives each PRIVMSG a message id, as Twitch does, and injects Twitch's moderation lines.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Ngircd, type RawIrc, isJoin, startNgircd } from '../../../test/support/ngircd.ts';
import { ChatBridge, chatUtterance } from './bridge.ts';
import { ChatRouter } from './router.ts';
import { TwitchChat } from './twitch-chat.ts';
import type { ChatRemoval, RoutedItem } from './types.ts';
import { type Logger, silentLogger } from '../../logger.ts';

const CAST = [
  { id: 'ada', name: 'Ada Lovelace' },
  { id: 'gale', name: 'Captain Barnaby Gale' },
];
const CHANNEL = '#troupe';

let irc: Ngircd;
/** Every log line the adapters wrote, as [message, fields]. */
const logged: Array<[string, object]> = [];
const capture = (msg: string | undefined, obj: object) => void logged.push([msg ?? '', obj]);
const logger: Logger = {
  ...silentLogger,
  debug: (obj, msg) => capture(msg, obj),
  info: (obj, msg) => capture(msg, obj),
  warn: (obj, msg) => capture(msg, obj),
};
const opened: Array<{ close(): Promise<void> }> = [];
const raws: RawIrc[] = [];

beforeAll(async () => {
  irc = await startNgircd({ acceptTokens: ['not-a-real-token'] });
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await Promise.all(raws.map((r) => r.quit()));
  await irc?.stop();
});

async function raw(nick: string, join = true): Promise<RawIrc> {
  const client = await irc.client(nick);
  raws.push(client);
  if (join) await client.join(CHANNEL);
  return client;
}

/** A TwitchChat on the gateway, resolved once `watcher` has seen it join the channel. */
async function twitch(
  watcher: RawIrc,
  identity: { username?: string; token?: string } = {},
): Promise<TwitchChat> {
  const chat = new TwitchChat(
    { channel: 'Troupe', host: irc.host, port: irc.wsPort, secure: false, reconnect: false, ...identity },
    logger,
  );
  opened.push(chat);
  const before = watcher.lines.length;
  await chat.connect();
  const joined = await watcher.waitFor(
    (l) => watcher.lines.indexOf(l) >= before && isJoin(l, CHANNEL) && !l.startsWith(`:${watcher.nick}!`),
    'the tmi.js client joining',
  );
  if (identity.username) expect(joined.startsWith(`:${identity.username}!`)).toBe(true);
  else expect(joined).toMatch(/^:justinfan\d+!/u);
  return chat;
}

const nextQueued = (router: ChatRouter): Promise<RoutedItem> =>
  new Promise((resolve) => {
    const off = router.subscribe((e) => {
      if (e.type !== 'queued') return;
      off();
      resolve(e.item);
    });
  });

describe('Twitch chat over a real IRC server', () => {
  it('when a chatter names a character, then the anonymous reader routes it as a mention, and the reader cannot write', async () => {
    const alice = await raw('alice');
    const chat = await twitch(alice);
    expect(chat.authenticated).toBe(false);
    const router = new ChatRouter({ characters: CAST });
    chat.onMessage((m) => router.receive(m));

    const queued = nextQueued(router);
    alice.say(CHANNEL, 'Captain Gale, where are we sailing tonight?');
    expect(await queued).toMatchObject({
      kind: 'mention',
      characters: ['gale'],
      user: 'alice',
      displayName: 'alice',
      text: 'Captain Gale, where are we sailing tonight?',
    });
    alice.say(CHANNEL, 'just lurking');
    await new Promise<void>((resolve) => {
      const timer = setInterval(
        () => router.counters().received === 2 && (clearInterval(timer), resolve()),
        20,
      );
    });
    expect(router.counters()).toMatchObject({ received: 2, ignored: 1, queued: 1 });
    expect(router.recentChat().map((l) => l.text)).toContain('just lurking');

    expect(await chat.say('hello?')).toBe(false);
  });

  it('when authenticated with a token, then a character’s answer to a chatter appears in the channel, moderated', async () => {
    const bob = await raw('bob');
    const chat = await twitch(bob, { username: 'troupebot', token: 'oauth:not-a-real-token' });
    expect(chat.authenticated).toBe(true);
    const router = new ChatRouter({ characters: CAST, ignoreUsers: ['troupebot'] });
    chat.onMessage((m) => router.receive(m));
    const delivered: RoutedItem[] = [];
    const bridge = new ChatBridge(
      router,
      {
        deliver: (item) => {
          delivered.push(item);
          // What the group job does: the floor hears it, the character answers aloud, then in chat.
          void bridge.replied(item, 'Ahoy Bob! We sail north. Details at evil.com/x today.');
        },
      },
      {},
      { out: chat },
    );
    bridge.floorFree();
    bob.say(CHANNEL, '!ask Ada what is an engine?');
    const line = await bob.waitFor(
      (l) => l.startsWith(':troupebot!') && l.includes(' PRIVMSG #troupe :'),
      'the answer',
    );
    expect(line.split(' PRIVMSG #troupe :')[1]).toBe("@bob Ahoy Bob! We sail north. Let's keep it friendly.");
    expect(delivered).toMatchObject([
      { kind: 'ask', character: 'ada', user: 'bob', text: 'what is an engine?' },
    ]);
    expect(chatUtterance(delivered[0] as RoutedItem, CAST)).toEqual({
      identity: 'chat:bob',
      name: 'bob',
      text: 'Ada Lovelace, what is an engine?',
      addressees: ['ada'],
      source: 'chat',
    });
    expect(bridge.counters()).toMatchObject({ delivered: 1, answered: 1 });
    expect(irc.passes).toContain('oauth:not-a-real-token');
    // The token is never logged; chat text only under pii.
    const text = JSON.stringify(logged);
    expect(text).not.toContain('not-a-real-token');
    for (const [, fields] of logged) {
      const { pii: _pii, ...rest } = fields as { pii?: unknown };
      expect(JSON.stringify(rest)).not.toMatch(/engine|Ahoy/u);
    }
    expect(text).toMatch(/Ahoy/u);
    bridge.close();
  });

  // Regression: a message a moderator deleted, and the lines of a chatter they timed out or banned,
  // were still answered aloud (and captioned) when the floor came free.
  it('when a moderator deletes a message, times out or bans a chatter, or clears the chat, then none of it reaches the floor', async () => {
    // One after another, so the last to join sees no JOIN but the tmi.js client's.
    const [ann, bo, cy, di] = [await raw('ann'), await raw('bo'), await raw('cy'), await raw('di')];
    const chat = await twitch(di);
    const router = new ChatRouter({ characters: CAST, answerLimit: { burst: 5, refillMs: 10_000 } });
    // As the broadcast runtime wires them.
    chat.onMessage((m) => router.receive(m));
    chat.onRemoval((r) => router.remove(r));
    const queued: RoutedItem[] = [];
    const removals: ChatRemoval[] = [];
    router.subscribe((e) => {
      if (e.type === 'queued') queued.push(e.item);
      if (e.type === 'removal') removals.push(e.removal);
    });
    const delivered: RoutedItem[] = [];
    const bridge = new ChatBridge(router, { deliver: (item) => (delivered.push(item), false) });
    const until = (check: () => boolean, what: string) =>
      new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10_000);
        const poll = setInterval(() => {
          if (!check()) return;
          clearInterval(poll);
          clearTimeout(deadline);
          resolve();
        }, 10);
      });
    const removal = async (line: string, what: string) => {
      const before = removals.length;
      await irc.inject(line);
      await until(() => removals.length > before, what);
    };

    // The floor is busy: five lines wait, each with the id the server gave it.
    ann.say(CHANNEL, 'Ada, this one gets deleted');
    ann.say(CHANNEL, 'Ada, this one stays');
    bo.say(CHANNEL, 'Captain Gale, bo asks');
    cy.say(CHANNEL, 'Ada, cy asks');
    di.say(CHANNEL, 'Captain Gale, di asks');
    await until(() => queued.length === 5, 'five queued lines');
    expect(queued.every((i) => /^[0-9a-f-]{36}$/u.test(i.messageId ?? ''))).toBe(true);
    const deleted = queued.find((i) => i.kind === 'mention' && i.text === 'Ada, this one gets deleted');
    expect(deleted).toMatchObject({ user: 'ann' });

    // What Twitch sends for /delete, /timeout bo 600 and /ban cy.
    await removal(
      `@login=ann;room-id=1;target-msg-id=${deleted?.messageId};tmi-sent-ts=${Date.now()} :tmi.twitch.tv CLEARMSG ${CHANNEL} :Ada, this one gets deleted`,
      'CLEARMSG',
    );
    await removal(
      `@ban-duration=600;room-id=1;target-user-id=2;tmi-sent-ts=${Date.now()} :tmi.twitch.tv CLEARCHAT ${CHANNEL} :bo`,
      'the timeout',
    );
    await removal(
      `@room-id=1;target-user-id=3;tmi-sent-ts=${Date.now()} :tmi.twitch.tv CLEARCHAT ${CHANNEL} :cy`,
      'the ban',
    );
    expect(removals).toEqual([
      { kind: 'message', messageId: deleted?.messageId, user: 'ann' },
      { kind: 'user', user: 'bo', action: 'timeout' },
      { kind: 'user', user: 'cy', action: 'ban' },
    ]);
    expect(router.recentChat().map((l) => l.text)).not.toContain('Ada, this one gets deleted');

    bridge.floorFree();
    await until(() => delivered.length === 2, 'the two lines left');
    // Lines from different connections reach the server in either order: compare as a set.
    expect(delivered.map((i) => [i.user, i.kind === 'mention' && i.text]).sort()).toEqual([
      ['ann', 'Ada, this one stays'],
      ['di', 'Captain Gale, di asks'],
    ]);
    bridge.floorBusy();

    // CLEARCHAT alone (/clear) empties whatever waits.
    di.say(CHANNEL, 'Ada, one more from di');
    ann.say(CHANNEL, 'Captain Gale, one more from ann');
    await until(() => queued.length === 7, 'two more queued lines');
    await removal(`@room-id=1;tmi-sent-ts=${Date.now()} :tmi.twitch.tv CLEARCHAT ${CHANNEL}`, 'CLEARCHAT');
    expect(removals.at(-1)).toEqual({ kind: 'all' });
    expect(router.size).toBe(0);
    expect(router.recentChat()).toEqual([]);
    bridge.floorFree();
    expect(router.next()).toBeUndefined();
    expect(delivered).toHaveLength(2);

    const c = router.counters();
    expect(c).toMatchObject({ received: 7, routed: 2, removed: 5, queued: 0 });
    expect(c.received).toBe(
      c.routed + c.rateLimited + c.duplicates + c.dropped + c.blocked + c.ignored + c.removed + c.queued,
    );
    bridge.close();
  });

  it('when the token is refused, then connect() fails rather than reading nothing', async () => {
    const chat = new TwitchChat({
      channel: 'troupe',
      host: irc.host,
      port: irc.wsPort,
      secure: false,
      reconnect: false,
      username: 'intruder',
      token: 'wrong',
    });
    opened.push(chat);
    await expect(chat.connect()).rejects.toThrow(/could not log in.*Login authentication failed/u);
  });

  it(
    'when 2,000 messages arrive in 10 s from many connections, then state stays bounded, rate limits apply, the reader stays alive and the counters add up',
    { timeout: 90_000 },
    async () => {
      const watcher = await raw('watcher');
      const chat = await twitch(watcher);
      const router = new ChatRouter({
        characters: CAST,
        queueCapacity: 50,
        maxTracked: 1_000,
        moderation: { blocklist: ['spam'] },
      });
      chat.onMessage((m) => router.receive(m));
      const answersPerUser = new Map<string, number>();
      router.subscribe((e) => {
        if (e.type === 'queued' && (e.item.kind === 'ask' || e.item.kind === 'mention'))
          answersPerUser.set(e.item.user, (answersPerUser.get(e.item.user) ?? 0) + 1);
      });
      // A floor that takes one item every 250 ms.
      const floor = setInterval(() => router.next(), 250);

      const CONNECTIONS = 40;
      const TOTAL = 2_000;
      const flooders = await Promise.all(
        Array.from({ length: CONNECTIONS }, (_, i) => raw(`flood${String(i).padStart(2, '0')}`)),
      );
      const lineFor = (n: number, who: number): string => {
        switch (n % 10) {
          case 0:
          case 1:
          case 2:
            return `Ada, question ${n} from ${who}?`;
          case 3:
            return `!ask gale number ${n} for ${who}`;
          case 4:
            return `!motion wave${n % 3}`;
          case 5:
            return 'same old line'; // the same text again and again
          case 6:
            return `buy followers at cheap${n}.com`;
          case 7:
            return `spam ${n}`;
          default:
            return `chatting away ${n} ${who}`;
        }
      };
      global.gc?.();
      const heapBefore = process.memoryUsage().heapUsed;
      const started = performance.now();
      let sent = 0;
      await new Promise<void>((resolve) => {
        // Paced by the clock, not by tick count (timers drift on a busy machine): by t ms, t/5 lines.
        const tick = () => {
          const due = Math.min(TOTAL, Math.ceil(((performance.now() - started) / 10_000) * TOTAL));
          for (; sent < due; sent += 1) {
            const who = sent % CONNECTIONS;
            // Every flooder sends every kind of line, in turn.
            (flooders[who] as RawIrc).say(CHANNEL, lineFor(Math.floor(sent / CONNECTIONS) + who, who));
          }
          if (sent >= TOTAL) {
            clearInterval(timer);
            resolve();
          }
        };
        const timer = setInterval(tick, 50);
      });
      const sendMs = performance.now() - started;
      await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`only ${router.counters().received} of ${TOTAL} received`)),
          30_000,
        );
        const poll = setInterval(() => {
          if (router.counters().received < TOTAL) return;
          clearInterval(poll);
          clearTimeout(deadline);
          resolve();
        }, 50);
      });
      const receivedMs = performance.now() - started;
      clearInterval(floor);
      global.gc?.();
      const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

      const c = router.counters();
      const t = router.tracked();
      console.info(
        `chat flood: sent ${TOTAL} in ${Math.round(sendMs)} ms, all received after ${Math.round(receivedMs)} ms; ` +
          `counters ${JSON.stringify(c)}; tracked ${JSON.stringify(t)}; heap growth ${heapGrowthMb.toFixed(1)} MB` +
          (global.gc ? '' : ' (no gc exposed: upper bound)'),
      );
      expect(c.received).toBe(TOTAL);
      expect(c.received).toBe(
        c.routed + c.rateLimited + c.duplicates + c.dropped + c.blocked + c.ignored + c.removed + c.queued,
      );
      // 800 questions from 40 chatters; the answer bucket (one, refilled every 10 s) lets one each
      // through, plus one per 10 s the flood lasted: on a busy machine it lasts longer than 10 s,
      // and the bound follows the time it actually took rather than asserting the machine's speed.
      const perUser = 1 + Math.ceil(receivedMs / 10_000);
      expect(c.rateLimited).toBeGreaterThanOrEqual(800 - perUser * CONNECTIONS);
      expect(c.routed + c.queued).toBeLessThanOrEqual(perUser * CONNECTIONS + 3 * CONNECTIONS + 1);
      expect(Math.max(...answersPerUser.values())).toBeLessThanOrEqual(perUser);
      expect(c.blocked).toBeGreaterThanOrEqual(2 * (TOTAL / 10) - 5);
      expect(c.duplicates).toBeGreaterThan(100);
      expect(t.queue).toBeLessThanOrEqual(50);
      expect(t.answerBuckets + t.commandBuckets).toBeLessThanOrEqual(2_000);
      expect(t.seen).toBeLessThanOrEqual(3_000);
      expect(heapGrowthMb).toBeLessThan(64);

      // Still alive and reading: one more line gets through.
      const latecomer = await raw('latecomer');
      const after = nextQueued(router);
      latecomer.say(CHANNEL, '!topic the sea after the storm');
      expect(await after).toMatchObject({ kind: 'command', name: 'topic', user: 'latecomer' });
    },
  );
});
