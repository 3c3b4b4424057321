// Shapes shared by the chat router, the Twitch adapter and the bridge to the group conversation.
// Nothing here knows tmi.js: the adapter turns its events into these, tests build them directly.

/** What Twitch's IRCv3 tags say about a chat line, reduced to what routing needs. */
export interface ChatTags {
  /** The channel owner (badge `broadcaster`). */
  broadcaster?: boolean;
  /** A channel moderator (tag `mod`, or badge `moderator`). */
  mod?: boolean;
  /** A subscriber (tag `subscriber`, or badge `subscriber`/`founder`). */
  subscriber?: boolean;
  /** Bits cheered with this line (tag `bits`). */
  bits?: number;
  /** Raw badges, e.g. `{subscriber: '12', moderator: '1'}`. */
  badges?: Record<string, string | undefined>;
  /**
   * USERNOTICE kind (tag `msg-id`): `sub`, `resub`, `subgift`, `submysterygift`, `raid`, … A line
   * with a `msgId` the router knows as a notice is routed as one; any other `msgId` is ignored as a tag.
   */
  msgId?: string;
  /** Months subscribed, on `sub`/`resub` notices. */
  months?: number;
  /** Raiders brought along, on `raid` notices. */
  viewers?: number;
  /** Gifted subscriptions, on `submysterygift`, or the recipient's name on `subgift`. */
  count?: number;
  recipient?: string;
}

/** One line of chat, or one notice, as it arrived. */
export interface ChatMessage {
  /** Twitch's message id (tag `id`): the same id twice is one message (reconnect replays). */
  id?: string;
  /** Login name, lower case; the key for rate limits. */
  user: string;
  /** Name as shown in chat; characters say this one. */
  displayName: string;
  /** The words (a notice's attached message, or ''). */
  text: string;
  tags: ChatTags;
  /** Epoch ms it arrived. */
  at: number;
}

/** Priority classes, highest first. Notices sit below moderators: the floor reacts to a raid soon, not before the streamer's own team. */
export type ChatRole = 'broadcaster' | 'moderator' | 'notice' | 'bits' | 'subscriber' | 'viewer';

export const ROLE_RANK: Record<ChatRole, number> = {
  broadcaster: 5,
  moderator: 4,
  notice: 3,
  bits: 2,
  subscriber: 1,
  viewer: 0,
};

export type ChatCommandName = 'expression' | 'motion' | 'switch' | 'topic';

export type NoticeType = 'sub' | 'resub' | 'subgift' | 'submysterygift' | 'raid' | 'bits';

/** Fields every routed item carries. */
interface RoutedBase {
  /** Login name of the chatter. */
  user: string;
  /** The name a character says when it answers. */
  displayName: string;
  /** The priority class it was queued in. */
  role: ChatRole;
  /** Bits cheered with it (0 when none). */
  bits: number;
  /** Epoch ms it arrived. */
  at: number;
  /** Twitch's message id, when known. */
  messageId?: string;
}

/** `!ask <character> <text>`: that character answers. */
export interface AskItem extends RoutedBase {
  kind: 'ask';
  /** Character id. */
  character: string;
  text: string;
}

/** A line naming characters: they answer, in the order named. */
export interface MentionItem extends RoutedBase {
  kind: 'mention';
  /** Character ids, in order of first mention. */
  characters: string[];
  text: string;
}

/** `!expression`, `!motion`, `!switch` (arg = character id), `!topic`. */
export interface CommandItem extends RoutedBase {
  kind: 'command';
  name: ChatCommandName;
  arg: string;
}

/** A subscription, raid or cheer without a question: the characters may react. */
export interface NoticeItem extends RoutedBase {
  kind: 'notice';
  type: NoticeType;
  detail: {
    months?: number;
    viewers?: number;
    bits?: number;
    count?: number;
    recipient?: string;
    text?: string;
  };
}

export type RoutedItem = AskItem | MentionItem | CommandItem | NoticeItem;

/** A plain chat line kept as context for autonomous talk; never answered. */
export interface ContextLine {
  user: string;
  displayName: string;
  text: string;
  at: number;
  /** Twitch's message id, when known: a deleted message leaves the context too. */
  messageId?: string;
}

/**
 * What a channel moderator took back, from Twitch's IRC: one deleted message (CLEARMSG, its
 * `target-msg-id`), every line of a chatter who was timed out or banned (CLEARCHAT with a login), or
 * the whole chat (CLEARCHAT without one). Nothing it covers may be spoken or captioned afterwards.
 */
export type ChatRemoval =
  | { kind: 'message'; messageId: string; user?: string }
  | { kind: 'user'; user: string; action: 'timeout' | 'ban' }
  | { kind: 'all' };

/** Whether `removal` covers a line (a queued item, a context line) from `user` with `messageId`. */
export function removalCovers(removal: ChatRemoval, line: { user: string; messageId?: string }): boolean {
  switch (removal.kind) {
    case 'all':
      return true;
    case 'user':
      return line.user.toLowerCase() === removal.user.toLowerCase();
    case 'message':
      return line.messageId !== undefined && line.messageId === removal.messageId;
  }
}
