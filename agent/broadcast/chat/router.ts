// The chat router: chat lines in, items for the floor out. Pure and synchronous on an injected
// clock: no timers, no I/O. Every line received ends in exactly one counter, so that
// received = routed + rateLimited + duplicates + dropped + blocked + ignored + removed + queued (now).

import type { NamedCharacter } from '../../conversation/group/addressing.ts';
import { type ParseOptions, nameIndex, parseLine } from './commands.ts';
import { type BucketSpec, SeenWindow, TokenBuckets } from './limits.ts';
import { type ModerationOptions, Moderator, normaliseForMatching } from './moderation.ts';
import {
  type ChatCommandName,
  type ChatMessage,
  type ChatRemoval,
  type ChatRole,
  type ContextLine,
  type NoticeItem,
  type NoticeType,
  ROLE_RANK,
  type RoutedItem,
  removalCovers,
} from './types.ts';

export interface ChatRouterOptions {
  /** The characters on stage; names, first names, titles and aliases are matched. @defaultValue [] */
  characters: readonly NamedCharacter[];
  /** @defaultValue '!' */
  commandPrefix: string;
  /** Answered items (`!ask`, mentions) per chatter. @defaultValue {burst: 1, refillMs: 10_000} */
  answerLimit: BucketSpec;
  /** Commands (`!expression`, `!motion`, `!switch`, `!topic`) per chatter, apart from answers. @defaultValue {burst: 2, refillMs: 15_000} */
  commandLimit: BucketSpec;
  /** Classes the per-user limits do not apply to (a cheer is paid for). @defaultValue ['broadcaster', 'bits'] */
  exemptFromLimits: readonly ChatRole[];
  /** The same chatter saying the same thing again within this window is a duplicate. @defaultValue 30_000 */
  userDuplicateWindowMs: number;
  /** Anyone saying what someone else just said within this window is a duplicate (copy-pasta). @defaultValue 5_000 */
  crowdDuplicateWindowMs: number;
  /** Items waiting for the floor; past it the oldest of the lowest priority is dropped. @defaultValue 50 */
  queueCapacity: number;
  /** An item waiting longer than this is dropped as stale when the floor next asks. @defaultValue 60_000 */
  maxAgeMs: number;
  /** Cap on chatters and texts remembered for limits and duplicates (the memory bound). @defaultValue 5_000 */
  maxTracked: number;
  /** Plain chat lines kept as context for autonomous talk. @defaultValue 20 */
  contextSize: number;
  /** Incoming moderation: a ready `Moderator` or its options. @defaultValue defaultModerationOptions */
  moderation: Moderator | Partial<ModerationOptions>;
  /** Allowed `!expression` names; undefined accepts any single word. @defaultValue undefined */
  expressions?: readonly string[];
  /** Allowed `!motion` names; undefined accepts any single word. @defaultValue undefined */
  motions?: readonly string[];
  /** Least role per command, e.g. `{switch: 'moderator'}`; unlisted commands are for everyone. @defaultValue {} */
  commandRoles: Partial<Record<ChatCommandName, 'subscriber' | 'moderator' | 'broadcaster'>>;
  /** Logins never routed (the bot's own account). @defaultValue [] */
  ignoreUsers: readonly string[];
  /** Longest `!topic`. @defaultValue 200 */
  maxTopicLength: number;
}

export const defaultChatRouterOptions: ChatRouterOptions = {
  characters: [],
  commandPrefix: '!',
  answerLimit: { burst: 1, refillMs: 10_000 },
  commandLimit: { burst: 2, refillMs: 15_000 },
  exemptFromLimits: ['broadcaster', 'bits'],
  userDuplicateWindowMs: 30_000,
  crowdDuplicateWindowMs: 5_000,
  queueCapacity: 50,
  maxAgeMs: 60_000,
  maxTracked: 5_000,
  contextSize: 20,
  moderation: {},
  commandRoles: {},
  ignoreUsers: [],
  maxTopicLength: 200,
};

/** Where every received line went; `queued` is the queue's length now. */
export interface ChatCounters {
  received: number;
  routed: number;
  rateLimited: number;
  duplicates: number;
  /** Overflow (lowest priority, oldest first) and stale items. */
  dropped: number;
  blocked: number;
  /** Plain chat (kept as context), other bots' commands, unusable arguments, our own lines. */
  ignored: number;
  /**
   * Taken back by a channel moderator before they were spoken: a deleted message, the lines of a
   * chatter who was timed out or banned, a cleared chat (see `remove`), and items `discard`ed.
   */
  removed: number;
  queued: number;
}

export type RouterEvent =
  | { type: 'queued'; item: RoutedItem }
  | { type: 'dropped'; item: RoutedItem; why: 'overflow' | 'stale' }
  /** One queued item a moderator took back. */
  | { type: 'removed'; item: RoutedItem; removal: ChatRemoval }
  /** A moderator took something back (after its `removed` items): whoever holds an item checks it. */
  | { type: 'removal'; removal: ChatRemoval };

const NOTICES = new Set<NoticeType>(['sub', 'resub', 'subgift', 'submysterygift', 'raid']);
const STATUS_RANK = { viewer: 0, subscriber: 1, moderator: 2, broadcaster: 3 } as const;

interface Queued {
  item: RoutedItem;
  rank: number;
  bits: number;
  seq: number;
  queuedAt: number;
}

/** Dedupe key: what a line says, ignoring case, spacing, punctuation and stretched letters. */
const dedupeKey = (text: string) =>
  normaliseForMatching(text)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .replace(/(\p{L})\1+/gu, '$1')
    .trim();

export class ChatRouter {
  readonly options: ChatRouterOptions;
  readonly #clock: { now(): number };
  readonly #moderator: Moderator;
  readonly #parse: ParseOptions;
  readonly #answers: TokenBuckets;
  readonly #commands: TokenBuckets;
  readonly #userSeen: SeenWindow;
  readonly #crowdSeen: SeenWindow;
  readonly #idSeen: SeenWindow;
  readonly #queue: Queued[] = [];
  readonly #context: ContextLine[] = [];
  readonly #listeners = new Set<(e: RouterEvent) => void>();
  readonly #ignore: Set<string>;
  #seq = 0;
  readonly #c: Omit<ChatCounters, 'queued'> = {
    received: 0,
    routed: 0,
    rateLimited: 0,
    duplicates: 0,
    dropped: 0,
    blocked: 0,
    ignored: 0,
    removed: 0,
  };

  constructor(
    options: Partial<ChatRouterOptions> = {},
    clock: { now(): number } = { now: () => Date.now() },
  ) {
    this.options = { ...defaultChatRouterOptions, ...options };
    const o = this.options;
    this.#clock = clock;
    this.#moderator = o.moderation instanceof Moderator ? o.moderation : new Moderator(o.moderation);
    const lower = (names?: readonly string[]) => names && new Set(names.map((n) => n.toLowerCase()));
    this.#parse = {
      prefix: o.commandPrefix,
      characters: o.characters,
      index: nameIndex(o.characters),
      expressions: lower(o.expressions),
      motions: lower(o.motions),
      maxTopicLength: o.maxTopicLength,
    };
    this.#answers = new TokenBuckets(o.answerLimit, o.maxTracked);
    this.#commands = new TokenBuckets(o.commandLimit, o.maxTracked);
    this.#userSeen = new SeenWindow(o.userDuplicateWindowMs, o.maxTracked);
    this.#crowdSeen = new SeenWindow(o.crowdDuplicateWindowMs, o.maxTracked);
    this.#idSeen = new SeenWindow(Math.max(o.userDuplicateWindowMs, 60_000), o.maxTracked);
    this.#ignore = new Set(o.ignoreUsers.map((u) => u.toLowerCase()));
  }

  /** Calls `fn` on every item queued or dropped; returns an unsubscribe function. */
  subscribe(fn: (e: RouterEvent) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Routes one chat line or notice. */
  receive(msg: ChatMessage): void {
    const c = this.#c;
    const now = this.#clock.now();
    c.received += 1;
    const user = msg.user.toLowerCase();
    if (this.#ignore.has(user)) return void (c.ignored += 1);
    if (msg.id && this.#idSeen.seen(msg.id, now)) return void (c.duplicates += 1);

    const noticeType = msg.tags.msgId as NoticeType | undefined;
    if (noticeType && NOTICES.has(noticeType)) return this.#enqueue(this.#notice(msg, noticeType), now);

    const text = msg.text.trim();
    if (text === '') return void (c.ignored += 1);
    if (!this.#moderator.checkIncoming(text).ok) return void (c.blocked += 1);
    const key = dedupeKey(text);
    if (this.#userSeen.seen(`${user}\u0000${key}`, now)) return void (c.duplicates += 1);

    const role = roleOf(msg);
    const parsed = parseLine(text, this.#parse);
    const base = {
      user,
      displayName: msg.displayName || msg.user,
      role,
      bits: msg.tags.bits ?? 0,
      at: msg.at,
      ...(msg.id ? { messageId: msg.id } : {}),
    };
    const exempt = this.options.exemptFromLimits.includes(role);

    if (parsed.kind === 'invalid') return void (c.ignored += 1);
    if (parsed.kind === 'command') {
      const least = this.options.commandRoles[parsed.name];
      if (least && STATUS_RANK[statusOf(msg)] < STATUS_RANK[least]) return void (c.ignored += 1);
    }
    if (parsed.kind !== 'command') this.#remember(msg, text, base.messageId);
    // Copy-pasta: checked once the line is known to be usable (a line nobody may route does not mark
    // its text) and before the rate limit (a duplicate costs its sender no token). Cheers are paid
    // for: never collapsed.
    if (base.bits === 0 && this.#crowdSeen.seen(key, now)) return void (c.duplicates += 1);

    switch (parsed.kind) {
      case 'plain':
        if (base.bits === 0) return void (c.ignored += 1);
        return this.#enqueue(
          { ...base, kind: 'notice', type: 'bits', detail: { bits: base.bits, text } },
          now,
        );
      case 'command':
        if (!exempt && !this.#commands.take(user, now)) return void (c.rateLimited += 1);
        return this.#enqueue({ ...base, kind: 'command', name: parsed.name, arg: parsed.arg }, now);
      default: {
        if (!exempt && !this.#answers.take(user, now)) return void (c.rateLimited += 1);
        const item: RoutedItem =
          parsed.kind === 'ask'
            ? { ...base, kind: 'ask', character: parsed.character, text: parsed.text }
            : { ...base, kind: 'mention', characters: parsed.characters, text };
        return this.#enqueue(item, now);
      }
    }
  }

  /** The highest-priority item (FIFO within a class), once the floor can take one; stale items are dropped on the way. */
  next(): RoutedItem | undefined {
    const now = this.#clock.now();
    for (let i = this.#queue.length - 1; i >= 0; i -= 1) {
      const q = this.#queue[i] as Queued;
      if (now - q.queuedAt > this.options.maxAgeMs) {
        this.#queue.splice(i, 1);
        this.#c.dropped += 1;
        this.#emit({ type: 'dropped', item: q.item, why: 'stale' });
      }
    }
    let best = -1;
    for (let i = 0; i < this.#queue.length; i += 1) {
      if (best < 0 || compare(this.#queue[i] as Queued, this.#queue[best] as Queued) < 0) best = i;
    }
    if (best < 0) return undefined;
    const [taken] = this.#queue.splice(best, 1);
    this.#c.routed += 1;
    return taken?.item;
  }

  /**
   * Returns an item taken by `next()` that could not be delivered after all (the floor was taken
   * meanwhile): it goes back to the front of its class and no longer counts as routed.
   */
  putBack(item: RoutedItem): void {
    this.#c.routed -= 1;
    this.#enqueue(item, this.#clock.now(), -(this.#seq += 1));
  }

  /**
   * A channel moderator took lines back (CLEARMSG, CLEARCHAT): every queued item it covers leaves
   * the queue (counted as `removed`, one `removed` event each) and so does its context line, so none
   * of it is spoken, captioned or quoted in autonomous talk. Then one `removal` event, for an item
   * already taken by `next()`. Returns the number of queued items removed.
   */
  remove(removal: ChatRemoval): number {
    const gone: RoutedItem[] = [];
    for (let i = this.#queue.length - 1; i >= 0; i -= 1) {
      const q = this.#queue[i] as Queued;
      if (!removalCovers(removal, q.item)) continue;
      this.#queue.splice(i, 1);
      gone.unshift(q.item);
    }
    this.#c.removed += gone.length;
    for (let i = this.#context.length - 1; i >= 0; i -= 1)
      if (removalCovers(removal, this.#context[i] as ContextLine)) this.#context.splice(i, 1);
    for (const item of gone) this.#emit({ type: 'removed', item, removal });
    this.#emit({ type: 'removal', removal });
    return gone.length;
  }

  /**
   * An item taken by `next()` that a moderator removed before it could be delivered: it no longer
   * counts as routed but as removed.
   */
  discard(_item: RoutedItem): void {
    this.#c.routed -= 1;
    this.#c.removed += 1;
  }

  /** Items waiting. */
  get size(): number {
    return this.#queue.length;
  }

  counters(): ChatCounters {
    return { ...this.#c, queued: this.#queue.length };
  }

  /** Sizes of the remembered state, for tests and metrics: each stays under its cap. */
  tracked(): { queue: number; context: number; answerBuckets: number; commandBuckets: number; seen: number } {
    return {
      queue: this.#queue.length,
      context: this.#context.length,
      answerBuckets: this.#answers.size,
      commandBuckets: this.#commands.size,
      seen: this.#userSeen.size + this.#crowdSeen.size + this.#idSeen.size,
    };
  }

  /** The latest plain chat lines, oldest first: context for autonomous talk. */
  recentChat(): readonly ContextLine[] {
    return [...this.#context];
  }

  #notice(msg: ChatMessage, type: NoticeType): NoticeItem {
    const t = msg.tags;
    const text = msg.text.trim();
    // A notice is never blocked (nobody is punished for subscribing); only its attached words are dropped.
    const keepText = text !== '' && this.#moderator.checkIncoming(text).ok;
    return {
      kind: 'notice',
      type,
      user: msg.user.toLowerCase(),
      displayName: msg.displayName || msg.user,
      role: 'notice',
      bits: t.bits ?? 0,
      at: msg.at,
      ...(msg.id ? { messageId: msg.id } : {}),
      detail: {
        ...(t.months !== undefined ? { months: t.months } : {}),
        ...(t.viewers !== undefined ? { viewers: t.viewers } : {}),
        ...(t.count !== undefined ? { count: t.count } : {}),
        ...(t.recipient !== undefined ? { recipient: t.recipient } : {}),
        ...(keepText ? { text } : {}),
      },
    };
  }

  #enqueue(item: RoutedItem, now: number, seq = (this.#seq += 1)): void {
    const entry: Queued = { item, rank: ROLE_RANK[item.role], bits: item.bits, seq, queuedAt: now };
    if (this.#queue.length >= this.options.queueCapacity) {
      let worst = -1;
      for (let i = 0; i < this.#queue.length; i += 1) {
        if (worst < 0 || lowerPriority(this.#queue[i] as Queued, this.#queue[worst] as Queued)) worst = i;
      }
      const victim = this.#queue[worst];
      this.#c.dropped += 1;
      // The newcomer goes itself when it ranks below everything waiting.
      if (!victim || priorityKey(entry) < priorityKey(victim)) {
        this.#emit({ type: 'dropped', item, why: 'overflow' });
        return;
      }
      this.#queue.splice(worst, 1);
      this.#emit({ type: 'dropped', item: victim.item, why: 'overflow' });
    }
    this.#queue.push(entry);
    this.#emit({ type: 'queued', item });
  }

  #remember(msg: ChatMessage, text: string, messageId: string | undefined): void {
    this.#context.push({
      user: msg.user.toLowerCase(),
      displayName: msg.displayName || msg.user,
      text,
      at: msg.at,
      ...(messageId ? { messageId } : {}),
    });
    if (this.#context.length > this.options.contextSize) this.#context.shift();
  }

  #emit(e: RouterEvent): void {
    for (const fn of this.#listeners) fn(e);
  }
}

/** Status from tags and badges, without bits. */
function statusOf(msg: ChatMessage): 'broadcaster' | 'moderator' | 'subscriber' | 'viewer' {
  const t = msg.tags;
  const badges = t.badges ?? {};
  if (t.broadcaster || badges.broadcaster) return 'broadcaster';
  if (t.mod || badges.moderator) return 'moderator';
  if (t.subscriber || badges.subscriber || badges.founder) return 'subscriber';
  return 'viewer';
}

/** The priority class: broadcaster > moderator > bits > subscriber > viewer. */
export function roleOf(msg: ChatMessage): ChatRole {
  const status = statusOf(msg);
  if (status === 'broadcaster' || status === 'moderator') return status;
  if ((msg.tags.bits ?? 0) > 0) return 'bits';
  return status;
}

/** Class, then bits within the class, as one number (bits capped well below a class step). */
const priorityKey = (q: Queued) => q.rank * 1e9 + Math.min(q.bits, 1e9 - 1);

/** Negative when `a` goes before `b`. */
const compare = (a: Queued, b: Queued) => priorityKey(b) - priorityKey(a) || a.seq - b.seq;

/** Whether `a` is dropped before `b` on overflow: lower priority, then older. */
const lowerPriority = (a: Queued, b: Queued) =>
  priorityKey(a) < priorityKey(b) || (priorityKey(a) === priorityKey(b) && a.seq < b.seq);
