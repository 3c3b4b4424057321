// Twitch chat in and out through tmi.js. Anonymous (read-only, `justinfan…`) unless a login and
// an OAuth token are given; the server is configurable so tests can use a local IRC server.
// tmi.js speaks IRC over WebSocket only (ws://host:port/, subprotocol `irc`).
//
// Logging: tmi.js writes chat lines into its own info logs, so its logger is routed to ours at
// debug level under `pii`; the token is never logged (tmi.js does not log it, and neither do we).

import tmi from 'tmi.js';
import { type Logger, silentLogger } from '../../logger.ts';
import type { ChatMessage, ChatRemoval, ChatTags } from './types.ts';

export interface TwitchChatOptions {
  /** Channel to read, without or with `#`. */
  channel: string;
  /** IRC-over-WebSocket host. @defaultValue irc-ws.chat.twitch.tv */
  host: string;
  /** @defaultValue 443 */
  port: number;
  /** wss rather than ws. tmi.js treats port 443 as secure whatever this says. @defaultValue true */
  secure: boolean;
  /** Login of the account the characters answer with; needs `token`. */
  username?: string;
  /** OAuth token (`oauth:…` or bare) with chat:read and chat:edit; never logged. */
  token?: string;
  /** Reconnect after a dropped connection, with tmi.js's back-off. @defaultValue true */
  reconnect: boolean;
  /** Longest line `say()` sends; longer text is cut at a word. @defaultValue 450 */
  maxSayLength: number;
}

export const defaultTwitchChatOptions: Omit<TwitchChatOptions, 'channel'> = {
  host: 'irc-ws.chat.twitch.tv',
  port: 443,
  secure: true,
  reconnect: true,
  maxSayLength: 450,
};

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

type Userstate = Record<string, unknown> & { badges?: Record<string, string | undefined> | null };

/** Twitch tags → the router's tags. */
export function tagsFrom(state: Userstate, extra: Partial<ChatTags> = {}): ChatTags {
  const badges = state.badges ?? {};
  const tags: ChatTags = { badges: { ...badges } };
  if (badges.broadcaster) tags.broadcaster = true;
  if (state.mod === true || badges.moderator) tags.mod = true;
  if (state.subscriber === true || badges.subscriber || badges.founder) tags.subscriber = true;
  const bits = num(state.bits);
  if (bits !== undefined && bits > 0) tags.bits = bits;
  return { ...tags, ...extra };
}

/** One Twitch channel's chat as normalised messages. */
export class TwitchChat {
  readonly options: TwitchChatOptions;
  readonly #client: tmi.Client;
  readonly #log: Logger;
  readonly #channel: string;
  readonly #listeners = new Set<(msg: ChatMessage) => void>();
  readonly #removals = new Set<(removal: ChatRemoval) => void>();

  constructor(options: Partial<TwitchChatOptions> & { channel: string }, logger: Logger = silentLogger) {
    this.options = { ...defaultTwitchChatOptions, ...options };
    const o = this.options;
    this.#log = logger;
    this.#channel = `#${o.channel.replace(/^#/u, '').toLowerCase()}`;
    const identity = this.authenticated ? { username: o.username, password: o.token } : {};
    const log = logger;
    this.#client = new tmi.Client({
      options: { skipUpdatingEmotesets: true, skipMembership: true, messagesLogLevel: 'info' },
      connection: { server: o.host, port: o.port, secure: o.secure, reconnect: o.reconnect },
      identity,
      channels: [this.#channel],
      // tmi.js's lines may hold chat text: keep them at debug, under pii.
      logger: {
        info: (m: string) => log.debug({ pii: { tmi: m } }, 'tmi.js'),
        warn: (m: string) => log.debug({ pii: { tmi: m } }, 'tmi.js warning'),
        error: (m: string) => log.warn({ pii: { tmi: String(m) } }, 'tmi.js error'),
      },
    });
    this.#wire();
  }

  /** Whether the characters can write: a login and a token were given. */
  get authenticated(): boolean {
    return Boolean(this.options.username && this.options.token);
  }

  /** Calls `fn` with every chat line and notice; returns an unsubscribe function. */
  onMessage(fn: (msg: ChatMessage) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /**
   * Calls `fn` when a channel moderator takes lines back: a deleted message (CLEARMSG), a chatter
   * timed out or banned (CLEARCHAT with a login), the chat cleared (CLEARCHAT alone). Returns an
   * unsubscribe function.
   */
  onRemoval(fn: (removal: ChatRemoval) => void): () => void {
    this.#removals.add(fn);
    return () => this.#removals.delete(fn);
  }

  /** Connects and joins the channel (resolves once the server has welcomed us). */
  async connect(): Promise<void> {
    try {
      await this.#client.connect();
    } catch (err) {
      // tmi.js rejects with the server's words ("Login authentication failed"); never with the token.
      throw new Error(`twitch chat: could not log in to ${this.options.host}: ${String(err)}`);
    }
    // tmi.js resolves connect() even when the server closes on us (a refused token): check.
    if (this.#client.readyState() !== 'OPEN') {
      throw new Error(`twitch chat: connection to ${this.options.host} closed during login (bad token?)`);
    }
    this.#log.info(
      { channel: this.#channel, host: this.options.host, authenticated: this.authenticated },
      'twitch chat connected',
    );
  }

  /**
   * Writes to the channel as the authenticated account. Anonymous: does nothing and returns false
   * (a debug line says so). A failure to send is logged, not thrown: chat out never stops the show.
   */
  async say(text: string): Promise<boolean> {
    if (!this.authenticated) {
      this.#log.debug({ channel: this.#channel }, 'chat reply skipped: anonymous connection is read-only');
      return false;
    }
    const line = cutAtWord(text.replace(/\s+/gu, ' ').trim(), this.options.maxSayLength);
    if (line === '') return false;
    try {
      await this.#client.say(this.#channel, line);
      this.#log.debug({ channel: this.#channel, pii: { text: line } }, 'chat reply sent');
      return true;
    } catch (err) {
      this.#log.warn({ channel: this.#channel, err }, 'chat reply not sent');
      return false;
    }
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#removals.clear();
    // Stop reconnecting even if the socket is already gone.
    (this.#client as unknown as { reconnect: boolean }).reconnect = false;
    await this.#client.disconnect().catch(() => undefined);
  }

  #emit(msg: ChatMessage): void {
    this.#log.debug({ channel: this.#channel, pii: { user: msg.user, text: msg.text } }, 'chat in');
    for (const fn of this.#listeners) fn(msg);
  }

  #removed(removal: ChatRemoval): void {
    this.#log.debug({ channel: this.#channel, removal: removal.kind, pii: { removal } }, 'chat taken back');
    for (const fn of this.#removals) fn(removal);
  }

  #wire(): void {
    const c = this.#client;
    const mine = (channel: string) => channel.toLowerCase() === this.#channel;
    const base = (
      state: Userstate,
      login: string,
      text: string,
      extra: Partial<ChatTags> = {},
    ): ChatMessage => {
      const id = typeof state.id === 'string' ? state.id : undefined;
      const user = (typeof state.username === 'string' && state.username) || login;
      const shown = typeof state['display-name'] === 'string' ? state['display-name'] : '';
      return {
        ...(id ? { id } : {}),
        user: user.toLowerCase(),
        displayName: shown || user,
        text,
        tags: tagsFrom(state, extra),
        at: Date.now(),
      };
    };
    // `message` covers chat and /me actions (and whispers, which are not the channel's: skipped);
    // a line with bits arrives as `cheer` instead of `message`.
    c.on('message', (channel, state, text, self) => {
      if (self || !mine(channel) || state['message-type'] === 'whisper') return;
      this.#emit(base(state as Userstate, '', text));
    });
    c.on('cheer', (channel, state, text) => {
      if (mine(channel)) this.#emit(base(state as Userstate, '', text));
    });
    c.on('subscription', (channel, username, _methods, text, state) => {
      if (mine(channel))
        this.#emit(base(state as Userstate, username, text ?? '', { msgId: 'sub', months: 1 }));
    });
    c.on('resub', (channel, username, months, text, state) => {
      const s = state as Userstate;
      const total = num(s['msg-param-cumulative-months']) ?? months;
      if (mine(channel)) this.#emit(base(s, username, text ?? '', { msgId: 'resub', months: total }));
    });
    c.on('subgift', (channel, username, _streak, recipient, _methods, state) => {
      if (mine(channel)) this.#emit(base(state as Userstate, username, '', { msgId: 'subgift', recipient }));
    });
    c.on('submysterygift', (channel, username, count, _methods, state) => {
      if (mine(channel))
        this.#emit(base(state as Userstate, username, '', { msgId: 'submysterygift', count }));
    });
    c.on('raided', (channel, username, viewers) => {
      if (!mine(channel)) return;
      this.#emit({
        user: username.toLowerCase(),
        displayName: username,
        text: '',
        tags: { msgId: 'raid', viewers },
        at: Date.now(),
      });
    });
    // Moderation on Twitch's side: every one of these must reach the router before the floor asks again.
    c.on('messagedeleted', (channel, username, _text, state) => {
      const messageId = state['target-msg-id'];
      if (!mine(channel) || !messageId) return;
      this.#removed({ kind: 'message', messageId, ...(username ? { user: username.toLowerCase() } : {}) });
    });
    c.on('timeout', (channel, username) => {
      if (mine(channel)) this.#removed({ kind: 'user', user: username.toLowerCase(), action: 'timeout' });
    });
    c.on('ban', (channel, username) => {
      if (mine(channel)) this.#removed({ kind: 'user', user: username.toLowerCase(), action: 'ban' });
    });
    c.on('clearchat', (channel) => {
      if (mine(channel)) this.#removed({ kind: 'all' });
    });
    c.on('disconnected', (reason) =>
      this.#log.warn({ channel: this.#channel, reason }, 'twitch chat disconnected'),
    );
  }
}

/** At most `max` characters, cut at the last space before it when there is one. */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
