// From the router's queue to the group floor, one item per free floor, and the characters' answers
// back out to chat. The job calls `floorFree()` / `floorBusy()` as the floor changes; the bridge
// pulls the next item only while the floor is free, so chat never talks over the room.

import type { NamedCharacter } from '../../conversation/group/addressing.ts';
import { type ModerationEndpoint, Moderator, moderateOutgoingWithEndpoint } from './moderation.ts';
import type { ChatRouter } from './router.ts';
import { type Logger, silentLogger } from '../../logger.ts';
import { type RoutedItem, removalCovers } from './types.ts';

export interface ChatBridgeOptions {
  /** Check each item's words with the endpoint before the floor sees them (fail closed on timeout). */
  endpoint?: ModerationEndpoint;
  /** Also write the characters' answers to chat (only an authenticated connection can). @defaultValue true */
  answerInChat: boolean;
}

export const defaultChatBridgeOptions: ChatBridgeOptions = { answerInChat: true };

export interface ChatBridgeHooks {
  /**
   * Hands an item to the floor. Return `false` when it did not take the floor (a `!motion` played
   * at once, an item the job chose to skip): the bridge then offers the next one straight away.
   */
  deliver(item: RoutedItem): boolean | void | Promise<boolean | void>;
}

/** Where chat goes out: `TwitchChat` or anything with its `say`. */
export interface ChatOut {
  say(text: string): Promise<boolean>;
}

export interface ChatBridgeCounters {
  delivered: number;
  /** Stopped by the endpoint as flagged. */
  flagged: number;
  /** Held back because the endpoint did not answer in time (fail closed). */
  held: number;
  /** Answers written to chat. */
  answered: number;
  /** Taken back by a channel moderator while the endpoint was checking them: never delivered. */
  removed: number;
}

/** Who a chat turn is from, in the group's transcript and stored turns. */
export const chatIdentity = (user: string): string => `chat:${user}`;

/**
 * A routed ask or mention as the utterance the floor hears: from `chat:<login>`, under the chatter's
 * display name, with the asked character named first (so the floor's own addressing picks it).
 * Commands and notices are not utterances: null.
 */
export function chatUtterance(
  item: RoutedItem,
  cast: readonly NamedCharacter[],
): { identity: string; name: string; text: string; addressees: string[]; source: 'chat' } | null {
  if (item.kind === 'ask') {
    const name = cast.find((c) => c.id === item.character)?.name ?? item.character;
    return {
      identity: chatIdentity(item.user),
      name: item.displayName,
      text: `${name}, ${item.text}`,
      addressees: [item.character],
      source: 'chat',
    };
  }
  if (item.kind === 'mention') {
    return {
      identity: chatIdentity(item.user),
      name: item.displayName,
      text: item.text,
      addressees: item.characters,
      source: 'chat',
    };
  }
  return null;
}

/** The instruction a character gets for its answer to a chat turn: aloud, naming the chatter. */
export const chatReplyInstruction = (item: RoutedItem): string =>
  `${item.displayName} wrote this in the stream's chat. Answer aloud, briefly, and address ${item.displayName} by name.`;

const wordsOf = (item: RoutedItem): string => {
  switch (item.kind) {
    case 'ask':
    case 'mention':
      return item.text;
    case 'command':
      return item.name === 'topic' ? item.arg : '';
    default:
      return item.detail.text ?? '';
  }
};

export class ChatBridge {
  readonly options: ChatBridgeOptions;
  readonly #router: ChatRouter;
  readonly #hooks: ChatBridgeHooks;
  readonly #out: ChatOut | undefined;
  readonly #moderator: Moderator;
  readonly #log: Logger;
  readonly #unsubscribe: () => void;
  readonly #c: ChatBridgeCounters = { delivered: 0, flagged: 0, held: 0, answered: 0, removed: 0 };
  /** The item between `next()` and delivery, and whether a moderator took it back meanwhile. */
  #inFlight: { item: RoutedItem; removed: boolean } | null = null;
  #free = false;
  #pumping = false;
  #closed = false;

  constructor(
    router: ChatRouter,
    hooks: ChatBridgeHooks,
    options: Partial<ChatBridgeOptions> = {},
    deps: { out?: ChatOut; moderator?: Moderator; logger?: Logger } = {},
  ) {
    this.options = { ...defaultChatBridgeOptions, ...options };
    this.#router = router;
    this.#hooks = hooks;
    this.#out = deps.out;
    this.#moderator = deps.moderator ?? new Moderator();
    this.#log = deps.logger ?? silentLogger;
    this.#unsubscribe = router.subscribe((e) => {
      if (e.type === 'queued') void this.#pump();
      else if (e.type === 'removal' && this.#inFlight && removalCovers(e.removal, this.#inFlight.item))
        this.#inFlight.removed = true;
    });
  }

  /** The floor is free: the next chat item may take it. */
  floorFree(): void {
    this.#free = true;
    void this.#pump();
  }

  /** Someone holds the floor: chat waits. */
  floorBusy(): void {
    this.#free = false;
  }

  counters(): ChatBridgeCounters {
    return { ...this.#c };
  }

  /**
   * A character answered `item` aloud with `text`: the same words, moderated, go to chat as
   * "@Name …" when answering in chat is on and the connection can write.
   */
  async replied(item: RoutedItem, text: string): Promise<boolean> {
    if (!this.options.answerInChat || !this.#out || this.#closed) return false;
    const out = await moderateOutgoingWithEndpoint(this.#moderator, this.options.endpoint, text);
    if (out.text === '') return false;
    const sent = await this.#out.say(`@${item.displayName} ${out.text}`);
    if (sent) this.#c.answered += 1;
    return sent;
  }

  close(): void {
    this.#closed = true;
    this.#unsubscribe();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#free && !this.#closed) {
        const item = this.#router.next();
        if (!item) return;
        const words = wordsOf(item);
        if (this.options.endpoint && words !== '') {
          const flight = { item, removed: false };
          this.#inFlight = flight;
          const verdict = await this.options.endpoint.check(words).finally(() => (this.#inFlight = null));
          if (flight.removed) {
            // Deleted, or its author timed out, while the endpoint was asked: never spoken.
            this.#router.discard(item);
            this.#c.removed += 1;
            continue;
          }
          if (!verdict.ok) {
            if (verdict.reason === 'unavailable') this.#c.held += 1;
            else this.#c.flagged += 1;
            this.#log.debug({ kind: item.kind, reason: verdict.reason }, 'chat item held back by moderation');
            continue;
          }
          if (!this.#free || this.#closed) {
            // The floor was taken while we waited for the verdict; the item waits for the next free floor.
            this.#router.putBack(item);
            return;
          }
        }
        this.#free = false;
        this.#c.delivered += 1;
        let took: boolean | void = undefined;
        try {
          took = await this.#hooks.deliver(item);
        } catch (err) {
          this.#log.warn({ kind: item.kind, err }, 'chat item not delivered');
        }
        if (took === false) this.#free = true;
      }
    } finally {
      this.#pumping = false;
    }
  }
}
