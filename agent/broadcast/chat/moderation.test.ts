import { once } from 'node:events';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ModerationEndpoint,
  Moderator,
  hasLink,
  moderateOutgoingWithEndpoint,
  normaliseForMatching,
} from './moderation.ts';

describe('blocklist', () => {
  const moderator = new Moderator({ blocklist: ['hate', 'go away now', '/n[o0]+b(s)?\\b/'] });
  it.each([
    ['plain', 'I hate this', false],
    ['upper case', 'I HATE this', false],
    ['leetspeak', 'I h4t3 this', false],
    ['symbols', 'I h@te this', false],
    ['spaced letters', 'I h a t e this', false],
    ['dotted letters', 'I h.a.t.e this', false],
    ['stretched', 'I haaaate this', false],
    ['accents', 'I hâté this', false],
    ['zero-width', 'I ha\u200Bte this', false],
    ['a phrase across spaces', 'GO AWAY NOW', false],
    ['a regex entry', 'what a n00b', false],
    ['a longer word containing it', 'the whatever hatelessness', true],
    ['a clean line', 'I love this', true],
    ['digits alone', 'I have 4 cats and 1337 fish', true],
    ['punctuation after a word', 'that was great!', true],
  ])('when the text is %s, then ok is %s', (_name, text, ok) => {
    expect(moderator.checkIncoming(text).ok).toBe(ok);
  });

  it('when a text is longer than maxLength, then it is stopped for length', () => {
    expect(new Moderator({ maxLength: 10 }).checkIncoming('x'.repeat(11))).toEqual({
      ok: false,
      reason: 'length',
    });
  });

  it('when leetspeak is normalised, then words keep their boundaries', () => {
    expect(normaliseForMatching('H3LL0 w0rld!')).toBe('hello world!');
  });
});

describe('link filter', () => {
  it.each([
    'see https://evil.example/x',
    'go to www.evil.net',
    'evil.com/x',
    'visit EVIL.COM',
    'evil dot com',
    'evil[.]com',
    'evil (dot) com',
    'evil . com',
    'evil.c0m',
    'join discord.gg/abc',
    'ftp://files.example.org',
    'sub.domain.tv',
  ])('when the text is "%s", then it has a link', (text) => {
    expect(hasLink(text)).toBe(true);
  });

  // "the dot com bubble" does count as a link: on a stream, a false alarm beats a disguised URL.
  it.each(['I like dots. Commas too', 'e.g. this one', 'version 1.2.3', '@ada hi', 'at 3.30 pm', 'the end.'])(
    'when the text is "%s", then it has no link',
    (text) => {
      expect(hasLink(text)).toBe(false);
    },
  );
});

// Regression: the link filter knew ~70 hand-typed TLDs, so ".ai", ".page", ".social" and "evil dot ai" got through.
describe('link filter on every delegated TLD', () => {
  it.each([
    ['a new gTLD', 'evil.ai'],
    ['a gTLD in a sentence', 'visit evil.page today'],
    ['a longer gTLD', 'follow me on evil.social'],
    ['upper case', 'EVIL.AI'],
    ['a spaced-out dot', 'evil . ai'],
    ['a spoken dot', 'evil dot ai'],
    ['a spoken dot in capitals', 'evil DOT ai'],
    ['a spoken dot in leetspeak', 'evil d0t ai'],
    ['a bracketed dot', 'evil(.)ai'],
    ['a bracketed spoken dot', 'evil [dot] social'],
    ['a leetspeak TLD', 'evil.c0m'],
    ['a space after the dot, then a path', 'evil. com/x'],
    ['an ideographic full stop', 'evil。ai'],
    ['a zero-width space', 'evil\u200B.ai'],
    ['after an ellipsis', 'wow...evil.com'],
    ['an underscore in the name', 'evil_site.com'],
    ['a hyphen in the name', 'my-site.io'],
    ['spelled-out letters', 'e v i l . c o m'],
    ['a sentence end after it', 'see evil.com.'],
    ['a TLD in the middle', 'evil.com.x'],
    ['a numeric name', '123.com'],
    ['an internationalised TLD', 'привет.рф'],
    ['its punycode form', 'shop.xn--p1ai'],
  ])('when the text has %s ("%s"), then it has a link', (_name, text) => {
    expect(hasLink(text)).toBe(true);
  });

  it.each([
    ['a rating', '3.5 stars'],
    ['a title and a name', 'Dr. Smith'],
    ['an abbreviation', 'e.g. this'],
    ['a version', 'version 2.0'],
    ['a dotted version', 'v2.0.1'],
    ['sentences ending in a TLD-like word', 'nice. gg'],
    ['a sentence then "lol"', 'that was funny. lol'],
    ['a sentence then "So"', 'I am done. So what?'],
    ['a number with a suffix', '3.5k viewers'],
    ['a speed', '1.5x speed'],
    ['initials', 'a.m. or p.m.'],
    ['i.e.', 'i.e. that one'],
    ['a country abbreviation', 'U.S. history'],
    ['Mr.', 'Mr. Bean'],
    ['St.', 'St. Louis'],
    ['No.', 'No. 1 fan'],
    ['an ellipsis', 'hi...so'],
    ['arithmetic', 'Ada, what is 2.5 + 1.5?'],
    ['a TLD as a plain word', 'ai is cool and my page is social'],
    ['p.s.', 'p.s. hi'],
  ])('when the text has %s ("%s"), then it has no link', (_name, text) => {
    expect(hasLink(text)).toBe(false);
  });

  it('when links are allowed, then a bare domain passes the moderator', () => {
    expect(new Moderator({ blockLinks: false }).checkIncoming('evil.ai').ok).toBe(true);
    expect(new Moderator().checkIncoming('evil.ai')).toEqual({ ok: false, reason: 'link' });
  });
});

// Regression: a fresh broadcast filtered nothing but links until an operator typed a blocklist.
describe('English word list', () => {
  const moderator = new Moderator();
  it.each([
    ['plain', 'you are a fucking idiot', 'fuck'],
    ['capitals and a symbol', 'F*CK this', 'fuck'],
    ['leetspeak', 'sh1t happens', 'shit'],
    ['stretched letters', 'fuuuuck', 'fuck'],
    ['symbols for letters', 'what an a$$hole', 'ass'],
    ['spelled out', 'f u c k this', 'fuck'],
    ['a slur', 'b1tch', 'bitch'],
  ])('when the text is %s ("%s"), then it is stopped as profanity', (_name, text, word) => {
    expect(moderator.checkIncoming(text)).toEqual({ ok: false, reason: 'profanity', detail: word });
  });

  it.each([
    'Scunthorpe',
    'assistant',
    'class',
    'classic',
    'pass the bass',
    'cocktail',
    'the ship has a cockpit',
    'I love shiitake mushrooms',
    'Emily Dickinson',
    'Hancock',
    'peacock',
    'assassin',
    'therapist',
    'analysis',
    'butterfly',
    'document',
    'circumstance',
    'Essex and Sussex',
    'cumin seeds',
    'flame retardant',
    'I have 4 cats',
  ])('when the text is "%s", then it passes', (text) => {
    expect(moderator.checkIncoming(text)).toEqual({ ok: true });
  });

  it('when the word list is turned off, then only the blocklist applies; the blocklist extends it', () => {
    const off = new Moderator({ profanityFilter: false, blocklist: ['darn'] });
    expect(off.checkIncoming('fuck')).toEqual({ ok: true });
    expect(off.checkIncoming('darn it')).toMatchObject({ ok: false, reason: 'blocklist' });
    const both = new Moderator({ blocklist: ['darn'] });
    expect(both.checkIncoming('darn it')).toMatchObject({ ok: false, reason: 'blocklist' });
    expect(both.checkIncoming('shit')).toMatchObject({ ok: false, reason: 'profanity' });
  });

  it('when a character’s reply swears, then that sentence is replaced', () => {
    expect(moderator.moderateOutgoing('Ahoy there. What the fuck is that? Onwards!')).toEqual({
      text: "Ahoy there. Let's keep it friendly. Onwards!",
      changed: true,
      reasons: ['profanity'],
    });
  });
});

describe('moderateOutgoing', () => {
  const moderator = new Moderator({ blocklist: ['darn'] });
  it('when a character’s reply has a link or a blocked word, then only those sentences are replaced', () => {
    const out = moderator.moderateOutgoing(
      'Hello there! Visit evil.com for more. Darn it, and d4rn again. Bye.',
    );
    expect(out.text).toBe("Hello there! Let's keep it friendly. Bye.");
    expect(out.reasons).toEqual(['link', 'blocklist']);
    expect(out.changed).toBe(true);
  });

  it('when a reply is clean, then it comes back unchanged', () => {
    expect(moderator.moderateOutgoing('All good here. Truly.')).toEqual({
      text: 'All good here. Truly.',
      changed: false,
      reasons: [],
    });
  });
});

describe('moderation endpoint at the wire', () => {
  let server: Server;
  let baseUrl: string;
  const requests: Array<{ auth: string | undefined; body: { model: string; input: string } }> = [];
  let stall = false;

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { model: string; input: string };
      requests.push({ auth: req.headers.authorization, body });
      if (req.url !== '/v1/moderations') return void res.writeHead(404).end();
      if (stall) return; // never answers: the client's timeout decides
      const flagged = body.input.includes('violent');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'modr-1',
          model: body.model,
          results: [{ flagged, categories: { violence: flagged, harassment: false } }],
        }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });

  it('when the endpoint flags a text, then it is blocked as flagged, with its categories', async () => {
    stall = false;
    const endpoint = new ModerationEndpoint({ baseUrl, apiKey: 'test-key' });
    expect(await endpoint.check('a violent line')).toEqual({
      ok: false,
      reason: 'flagged',
      detail: 'violence',
    });
    expect(await endpoint.check('a kind line')).toEqual({ ok: true });
    expect(requests.at(-1)).toEqual({
      auth: 'Bearer test-key',
      body: { model: 'omni-moderation-latest', input: 'a kind line' },
    });
  });

  it('when the endpoint does not answer in time, then the text is held back (fail closed), or passed when failOpen', async () => {
    stall = true;
    const closed = new ModerationEndpoint({ baseUrl, timeoutMs: 200 });
    // The stalled endpoint never answers: `timeout` comes only from the client's own 200 ms timer.
    expect(await closed.check('anything')).toEqual({ ok: false, reason: 'unavailable', detail: 'timeout' });
    const open = new ModerationEndpoint({ baseUrl, timeoutMs: 200, failOpen: true });
    expect(await open.check('anything')).toEqual({ ok: true });
  });

  it('when a character’s speech goes out through both layers, then flagged or unverifiable speech becomes the replacement', async () => {
    const moderator = new Moderator();
    stall = false;
    const endpoint = new ModerationEndpoint({ baseUrl, timeoutMs: 5_000 });
    expect((await moderateOutgoingWithEndpoint(moderator, endpoint, 'A violent story.')).text).toBe(
      "Let's keep it friendly.",
    );
    expect((await moderateOutgoingWithEndpoint(moderator, endpoint, 'A calm story.')).text).toBe(
      'A calm story.',
    );
    stall = true;
    const impatient = new ModerationEndpoint({ baseUrl, timeoutMs: 200 });
    expect(await moderateOutgoingWithEndpoint(moderator, impatient, 'A calm story.')).toEqual({
      text: "Let's keep it friendly.",
      changed: true,
      reasons: ['unavailable'],
    });
  });

  it('when the endpoint is unreachable, then the verdict is unavailable rather than an exception', async () => {
    const endpoint = new ModerationEndpoint({ baseUrl: 'http://127.0.0.1:1/v1', timeoutMs: 500 });
    expect(await endpoint.check('x')).toMatchObject({ ok: false, reason: 'unavailable' });
  });
});
