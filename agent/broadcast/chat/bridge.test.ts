import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatBridge, chatReplyInstruction, chatUtterance } from './bridge.ts';
import { ModerationEndpoint } from './moderation.ts';
import { ChatRouter } from './router.ts';
import type { ChatMessage, ChatTags, RoutedItem } from './types.ts';

const CAST = [
  { id: 'ada', name: 'Ada Lovelace' },
  { id: 'gale', name: 'Captain Barnaby Gale' },
];
const msg = (user: string, text: string, tags: ChatTags = {}, id?: string): ChatMessage => ({
  ...(id ? { id } : {}),
  user,
  displayName: user[0]?.toUpperCase() + user.slice(1),
  text,
  tags,
  at: 0,
});
const settle = () => new Promise((r) => setTimeout(r, 0));

/** Waits until `check` holds, polling the event loop (the bridge's work is async but local). */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ChatBridge', () => {
  it('when the floor is busy, then chat waits; each free floor takes one item, highest priority first', async () => {
    const router = new ChatRouter({ characters: CAST });
    const delivered: RoutedItem[] = [];
    const bridge = new ChatBridge(router, { deliver: (item) => void delivered.push(item) });
    router.receive(msg('viewer', 'Ada, hi'));
    router.receive(msg('boss', 'Barnaby, status?', { broadcaster: true }));
    await settle();
    expect(delivered).toEqual([]);
    bridge.floorFree();
    await until(() => delivered.length === 1, 'the first item');
    expect(delivered[0]?.user).toBe('boss');
    await settle();
    expect(delivered).toHaveLength(1); // delivering took the floor
    bridge.floorFree();
    await until(() => delivered.length === 2, 'the second item');
    router.receive(msg('late', 'Ada, later'));
    bridge.floorBusy();
    await settle();
    expect(delivered).toHaveLength(2);
    expect(bridge.counters().delivered).toBe(2);
    bridge.close();
  });

  it('when an item arrives while the floor is free, then it is delivered at once', async () => {
    const router = new ChatRouter({ characters: CAST });
    const delivered: RoutedItem[] = [];
    const bridge = new ChatBridge(router, { deliver: (item) => void delivered.push(item) });
    bridge.floorFree();
    router.receive(msg('viewer', 'Ada, hi'));
    await until(() => delivered.length === 1, 'the item');
    bridge.close();
  });

  it('when delivery does not take the floor (a motion), then the next item follows straight away', async () => {
    const router = new ChatRouter({ characters: CAST });
    const delivered: RoutedItem[] = [];
    const bridge = new ChatBridge(router, {
      deliver: (item) => {
        delivered.push(item);
        return item.kind !== 'command';
      },
    });
    router.receive(msg('a', '!motion wave', { mod: true }));
    router.receive(msg('b', 'Ada, hello'));
    bridge.floorFree();
    await until(() => delivered.length === 2, 'both items');
    expect(delivered.map((i) => i.kind)).toEqual(['command', 'mention']);
    bridge.close();
  });

  it('when an item is routed, then its utterance comes from chat:<login> under the display name, the asked character named first', () => {
    const ask: RoutedItem = {
      kind: 'ask',
      character: 'gale',
      text: 'where to?',
      user: 'nina',
      displayName: 'Nina',
      role: 'viewer',
      bits: 0,
      at: 0,
    };
    expect(chatUtterance(ask, CAST)).toEqual({
      identity: 'chat:nina',
      name: 'Nina',
      text: 'Captain Barnaby Gale, where to?',
      addressees: ['gale'],
      source: 'chat',
    });
    expect(chatReplyInstruction(ask)).toContain('address Nina by name');
    expect(
      chatUtterance({ ...ask, kind: 'command', name: 'topic', arg: 'x' } as RoutedItem, CAST),
    ).toBeNull();
  });
});

describe('ChatBridge with a moderation endpoint at the wire', () => {
  let server: Server;
  let baseUrl: string;
  let stall = false;
  /** While set, verdicts wait here until the test releases them. */
  let hold: Array<() => void> | null = null;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const { input } = JSON.parse(Buffer.concat(chunks).toString()) as { input: string };
      if (stall) return;
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            results: [{ flagged: input.includes('nasty'), categories: { harassment: true } }],
          }),
        );
      };
      if (hold) hold.push(answer);
      else answer();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('when the endpoint flags an item or does not answer, then it never reaches the floor, and the next one does', async () => {
    const router = new ChatRouter({ characters: CAST });
    const delivered: RoutedItem[] = [];
    // A generous timeout while the endpoint answers (a loaded machine must not turn "ok" into "held").
    const bridge = new ChatBridge(
      router,
      { deliver: (item) => void delivered.push(item) },
      { endpoint: new ModerationEndpoint({ baseUrl, timeoutMs: 5_000 }) },
    );
    stall = false;
    router.receive(msg('a', 'Ada, you are nasty', { mod: true }));
    router.receive(msg('b', 'Ada, you are lovely'));
    bridge.floorFree();
    await until(() => delivered.length === 1, 'the clean item');
    expect(delivered[0]?.user).toBe('b');
    expect(bridge.counters()).toMatchObject({ delivered: 1, flagged: 1, held: 0 });
    bridge.close();

    stall = true;
    const impatient = new ChatBridge(
      router,
      { deliver: (item) => void delivered.push(item) },
      { endpoint: new ModerationEndpoint({ baseUrl, timeoutMs: 150 }) },
    );
    router.receive(msg('c', 'Barnaby, anything'));
    impatient.floorFree();
    await until(() => impatient.counters().held === 1, 'the held item');
    expect(delivered).toHaveLength(1);
    const c = router.counters();
    expect(c.received).toBe(
      c.routed + c.rateLimited + c.duplicates + c.dropped + c.blocked + c.ignored + c.removed + c.queued,
    );
    impatient.close();
  });

  // Regression: a line deleted (or its author timed out) while its verdict was pending was spoken anyway.
  it('when a moderator takes an item back while the endpoint checks it, then it never reaches the floor, and the next one does', async () => {
    stall = false;
    hold = [];
    const held = hold;
    const router = new ChatRouter({ characters: CAST });
    const delivered: RoutedItem[] = [];
    const bridge = new ChatBridge(
      router,
      { deliver: (item) => (delivered.push(item), false) },
      { endpoint: new ModerationEndpoint({ baseUrl, timeoutMs: 10_000 }) },
    );
    try {
      router.receive(msg('ann', 'Ada, something the mods delete', { mod: true }, 'm1'));
      router.receive(msg('bo', 'Barnaby, a fine question', {}, 'm2'));
      router.receive(msg('cy', 'Ada, cy asks too', {}, 'm3'));
      bridge.floorFree();
      await until(() => held.length === 1, "the endpoint asked about ann's line");
      router.remove({ kind: 'message', messageId: 'm1' });
      // cy's queued line goes with cy's ban; the verdict on ann's deleted line then comes back ok.
      router.remove({ kind: 'user', user: 'cy', action: 'ban' });
      held.shift()?.();
      await until(() => held.length === 1, "the endpoint asked about bo's line");
      held.shift()?.();
      await until(() => delivered.length === 1, "bo's line");
      expect(delivered.map((i) => i.messageId)).toEqual(['m2']);
      expect(bridge.counters()).toMatchObject({ delivered: 1, removed: 1, flagged: 0, held: 0 });
      const c = router.counters();
      expect(c).toMatchObject({ received: 3, routed: 1, removed: 2, queued: 0 });
      expect(c.received).toBe(
        c.routed + c.rateLimited + c.duplicates + c.dropped + c.blocked + c.ignored + c.removed + c.queued,
      );
    } finally {
      hold = null;
      bridge.close();
    }
  });

  it('when the floor is taken while a verdict is pending, then the item goes back to the queue', async () => {
    stall = false;
    const router = new ChatRouter({ characters: CAST });
    const delivered: RoutedItem[] = [];
    const bridge = new ChatBridge(
      router,
      { deliver: (item) => void delivered.push(item) },
      { endpoint: new ModerationEndpoint({ baseUrl, timeoutMs: 2_000 }) },
    );
    bridge.floorFree();
    router.receive(msg('a', 'Ada, tell me more'));
    bridge.floorBusy(); // a person starts talking before the verdict comes back
    await until(() => router.size === 1, 'the item back in the queue');
    expect(delivered).toEqual([]);
    expect(router.counters()).toMatchObject({ received: 1, routed: 0, queued: 1 });
    bridge.floorFree();
    await until(() => delivered.length === 1, 'the item on the next free floor');
    bridge.close();
  });

  it('when a character answers, then the answer goes to chat moderated and addressed, only when answering in chat is on', async () => {
    stall = false;
    const router = new ChatRouter({ characters: CAST });
    const said: string[] = [];
    const out = { say: async (text: string) => (said.push(text), true) };
    const item: RoutedItem = {
      kind: 'mention',
      characters: ['ada'],
      text: 'Ada hi',
      user: 'nina',
      displayName: 'Nina',
      role: 'viewer',
      bits: 0,
      at: 0,
    };
    const bridge = new ChatBridge(
      router,
      { deliver: () => {} },
      { endpoint: new ModerationEndpoint({ baseUrl }) },
      { out },
    );
    expect(await bridge.replied(item, 'Hello Nina! See www.example.org.')).toBe(true);
    expect(await bridge.replied(item, 'You are nasty.')).toBe(true);
    expect(said).toEqual(["@Nina Hello Nina! Let's keep it friendly.", "@Nina Let's keep it friendly."]);
    const quiet = new ChatBridge(router, { deliver: () => {} }, { answerInChat: false }, { out });
    expect(await quiet.replied(item, 'Hello')).toBe(false);
    expect(bridge.counters().answered).toBe(2);
    bridge.close();
    quiet.close();
  });
});
