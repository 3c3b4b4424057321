import type {
  ControlAutonomousMessage,
  ControlModerateMessage,
  FloorMessage,
  GesturePriority,
  ShowCommandReport,
  ShowControlAction,
  StageTransition,
} from '../../protocol/index.ts';

// Types of the show's command dispatcher: its options, the events it is fed, the effects it asks
// for and the state its reducer keeps. See commands.ts for how they fit together.

/** Who asked: chat commands are rate-limited by the show; the control page's and the API's are not. */
export type CommandSource = 'chat' | 'operator' | 'api';

/** A gesture; `characterId` null: whoever is on stage (chat's `!expression` names nobody). */
export interface GestureCommand {
  type: 'expression' | 'motion';
  characterId: string | null;
  name: string;
  durationMs?: number;
  priority: GesturePriority;
}

/** Everything the dispatcher takes: the API's actions, chat's commands and the control page's. */
export type CommandAction =
  | Exclude<ShowControlAction, { type: 'expression' | 'motion' | 'switch' }>
  | GestureCommand
  | { type: 'switch'; characterId: string; transition: StageTransition }
  | ControlAutonomousMessage
  | ControlModerateMessage;

export interface Command {
  /** The API's command id; chat and control-page commands get one from the job. */
  id: string;
  source: CommandSource;
  action: CommandAction;
}

/** What an `apply` became, as the show answered it. */
export type AppliedResult =
  | {
      ok: true;
      /** A dramatic switch waits for its announcement: a `settled` follows. */
      pending?: boolean;
      /** The character's expression before this one (an expression with `durationMs` returns to it). */
      previousExpression?: string | null;
    }
  | { ok: false; rateLimited: boolean; message: string };

export interface CommandOptions {
  /** How long a line or topic waits for a free floor before it is dropped (`noFloor`). @defaultValue 30000 */
  floorWaitMs: number;
  /** How long moderating a line, or composing a prompt's answer, may take (`failed`). @defaultValue 20000 */
  prepareTimeoutMs: number;
  /** Lines and topics waiting at most; one more is dropped (`queueFull`). @defaultValue 20 */
  maxQueued: number;
  /** A line the floor declined is offered again at the next floor change, or after this long. @defaultValue 1000 */
  retryMs: number;
  /** Where an expression held with `durationMs` returns when nothing was shown before. @defaultValue 'neutral' */
  restingExpression: string;
}

/** Inputs; `at` is never needed: the controller's clock says when. */
export type CommandEvent =
  | { type: 'submit'; command: Command }
  /** The floor changed hands (its published message). */
  | { type: 'floor'; message: FloorMessage }
  /** A line's words passed moderation, or a prompt's answer was composed and passed. */
  | { type: 'prepared'; id: string; text: string }
  /** Moderation kept the words off air. */
  | { type: 'moderated'; id: string; message?: string }
  | { type: 'prepareFailed'; id: string; message: string }
  /** The floor's answer to an `offer`. */
  | { type: 'offerAnswered'; id: string; taken: boolean }
  /** A taken line's turn ended (see GroupConversationHooks.lineEnded). */
  | { type: 'lineEnded'; id: string; audible: boolean; heardText: string; interrupted: boolean }
  | { type: 'applied'; id: string; result: AppliedResult }
  /** A dramatic switch was revealed (`done`) or overtaken by a newer switch (`superseded`). */
  | { type: 'settled'; id: string; outcome: 'done' | 'superseded' }
  /** The show ends: everything still waiting is dropped (`notRunning`), and so is anything later. */
  | { type: 'close' }
  | { type: 'tick' };

/** Outputs: what the wiring must do, in order. */
export type CommandEffect =
  /** Check a line's words (`moderate`), or compose the character's answer and check it (`compose`). */
  | { type: 'prepare'; id: string; kind: 'moderate'; text: string }
  | { type: 'prepare'; id: string; kind: 'compose'; characterId: string; prompt: string }
  /** Ask the floor to take the line or topic now; answer with `offerAnswered`. */
  | { type: 'offer'; id: string; kind: 'line'; characterId: string; text: string; interrupt: boolean }
  | { type: 'offer'; id: string; kind: 'topic'; text: string }
  /** Do it on the show now (gestures, switches, autonomy, moderation); answer with `applied`. */
  | { type: 'apply'; id: string; source: CommandSource; action: CommandAction }
  /** An expression's hold ended: show `name` again. */
  | { type: 'restore'; characterId: string; name: string }
  /** The command is over; report it (the API's) and log it. */
  | {
      type: 'finished';
      id: string;
      source: CommandSource;
      action: CommandAction['type'];
      result: ShowCommandReport;
    };

/** A line or topic waiting for the floor, in order. */
export interface LaneItem {
  id: string;
  source: CommandSource;
  action: 'say' | 'prompt' | 'topic';
  characterId: string | null;
  /** Null while its words are being moderated or composed. */
  text: string | null;
  /** `say now`: ahead of the `next` ones, and it may cut a character off. */
  interrupt: boolean;
  /** Dropped (`noFloor`) when not taken by then. */
  deadline: number;
  /** Dropped (`failed`) when its words are not ready by then. */
  prepareBy: number;
}

/** A command the floor is not involved in that still waits: a prompt's answer, a dramatic switch. */
export interface SideItem {
  source: CommandSource;
  action: CommandAction['type'];
  /** Composing an answer (a prompt with `speak: false`): dropped (`failed`) when not ready by then. */
  prepareBy: number | null;
}

/** A gesture holding a character's expressions or motions. */
export interface GestureHold {
  priority: GesturePriority;
  until: number;
  /** An expression to show again when the hold ends; null for motions. */
  restore: string | null;
}

export interface CommandState {
  lane: LaneItem[];
  /** The lane head the floor was offered and has not answered yet. */
  offered: string | null;
  /** Lines the floor took that have not ended, and whether a newer `now` line cut them off. */
  taken: Record<string, { item: LaneItem; superseded: boolean }>;
  side: Record<string, SideItem>;
  /** Gestures being applied (between `apply` and `applied`). */
  applying: Record<string, { source: CommandSource; action: CommandAction }>;
  /** `<characterId>/<expression|motion>` → its hold. */
  holds: Record<string, GestureHold>;
  /** The floor as last published; null before its first message (treated as open). */
  floor: Pick<FloorMessage, 'seq' | 'state' | 'humans'> | null;
  /** After a declined offer: the floor's seq then, and when to offer again regardless. */
  declined: { seq: number | null; retryAt: number } | null;
  closed: boolean;
}
