import type { ChatNotice, ChatNoticeType } from '../../protocol/index.ts';

// Types of the autonomous director: its options, the events it is fed, the effects it asks for
// and the state its reducer keeps. See autonomous.ts for how they fit together.

/** A character as the director sees it. */
export interface DirectorCharacter {
  id: string;
  name: string;
  /** How readily it speaks up, 0 (never starts a topic) to 1. @defaultValue 0.5 */
  talkativeness?: number;
}

/** How a kind of chat notice is reacted to. */
export interface NoticePolicy {
  /**
   * Notices of this kind arriving within this window of the first are thanked in one reaction
   * ("thanks to the 5 new subscribers"). 0: each notice on its own, never merged.
   */
  coalesceMs: number;
  /** At least this long between two reactions to this kind; notices arriving meanwhile are merged. */
  cooldownMs: number;
}

export interface AutonomousOptions {
  /** Chat silent this long before characters start on their own (reason `idle`). @defaultValue 20000 */
  idleAfterMs: number;
  /**
   * Quiet floor between two autonomous turns while chat stays idle (reason `cadence`), and after a
   * person or a character stopped speaking before one starts. @defaultValue 15000
   */
  cadenceMs: number;
  /**
   * Topics to bring up. `sequential`: in the given order, then again from the start; `shuffled`:
   * each cycle in a new order drawn with the seeded random source, never repeating the last topic
   * of a cycle first in the next. Empty: each character picks its own topic (`topic: null`).
   * @defaultValue []
   */
  agenda: readonly string[];
  /** @defaultValue 'sequential' */
  agendaOrder: 'sequential' | 'shuffled';
  /** Autonomous turns in a row (no chat, no person speaking) before a longer pause. @defaultValue 4 */
  maxConsecutive: number;
  /** The longer pause after `maxConsecutive` turns, instead of `cadenceMs`. @defaultValue 60000 */
  longPauseMs: number;
  /** Latest chat lines passed along with a topic or reaction to shape it. @defaultValue 5 */
  recentChatWindow: number;
  /** Chat lines older than this are not passed along. @defaultValue 300000 */
  recentChatMaxAgeMs: number;
  /** Start agenda topics at all; false: only react to notices. @defaultValue true */
  topicsEnabled: boolean;
  /**
   * Who starts: `weighted` (talkativeness × fairness, seeded), `round-robin` (cast order, skipping
   * characters with talkativeness 0), or `floor` (left out: the floor's weighted choice decides).
   * @defaultValue 'weighted'
   */
  pick: 'weighted' | 'round-robin' | 'floor';
  /** Each turn a character has not spoken adds this much to its weight factor. @defaultValue 0.5 */
  fairness: number;
  /** Turns of waiting that still raise the weight. @defaultValue 4 */
  fairnessHorizon: number;
  /** How each kind of notice is reacted to; null: ignored. @defaultValue see `defaultNoticePolicies` */
  notices: Record<ChatNoticeType, NoticePolicy | null>;
  /** A notice not reacted to within this time is dropped (stale thanks sound odd). @defaultValue 300000 */
  noticeTtlMs: number;
  /**
   * After a person stops speaking, a reaction waits this long so the floor can answer them first
   * (their transcript may still be on its way). @defaultValue 1500
   */
  humanGraceMs: number;
  /**
   * After a start or reaction is asked for, the floor must turn busy within this time; otherwise
   * it was declined: a reaction is retried, a topic waits for the next cadence. @defaultValue 3000
   */
  confirmTimeoutMs: number;
}

/** Inputs. `at` is the time on the director's clock; when left out, the clock's now. */
export type AutonomousEvent =
  /** An audience chat message (any chat activity resets the idle clock); `text` shapes topics. */
  | { type: 'chatActivity'; user?: string; text?: string; at?: number }
  /** A person in the room began or stopped speaking (their VAD). */
  | { type: 'humanSpeechStarted'; identity: string; at?: number }
  | { type: 'humanSpeechStopped'; identity: string; at?: number }
  /** A character's first and last audible frame (any speech, on the floor or not). */
  | { type: 'characterSpeaking'; characterId: string; at?: number }
  | { type: 'characterFinished'; characterId: string; at?: number }
  /** The floor has nobody speaking, holding or waiting (floor message state `open`), or has. */
  | { type: 'floorOpen'; at?: number }
  | { type: 'floorBusy'; at?: number }
  | { type: 'notice'; notice: ChatNotice; at?: number }
  | { type: 'tick'; at?: number };

/** Notices of one kind thanked together. */
export interface NoticeGroup {
  type: ChatNoticeType;
  notices: ChatNotice[];
  firstAt: number;
}

export type AutonomousObservation =
  | { kind: 'noticeDropped'; notices: ChatNotice[]; why: 'ignored' | 'stale' }
  /** The floor did not take a start or reaction within `confirmTimeoutMs`. */
  | { kind: 'notTaken'; what: 'topic' | 'react'; retried: boolean };

/** Outputs: what the wiring must do, in order. */
export type AutonomousEffect =
  /** Have `characterId` (or the floor's choice) bring up `topic`, shaped by persona and `recentChat`. */
  | {
      type: 'startTopic';
      characterId?: string;
      /** An agenda topic; null when the agenda is empty (the character's own choice). */
      topic: string | null;
      /** Latest chat lines ("user: text"), oldest first. */
      recentChat: string[];
      /** `idle`: first turn after chat went idle; `cadence`: a further one. */
      reason: 'idle' | 'cadence';
    }
  /** Have `characterId` (or the floor's choice) react to chat notices. */
  | {
      type: 'react';
      characterId?: string;
      /** The first notice; `notices` holds all those thanked together. */
      notice: ChatNotice;
      notices: ChatNotice[];
      /** What to react to, ready for instructions ("Thank ann, bo and cy for subscribing"). */
      text: string;
      recentChat: string[];
    }
  | { type: 'observe'; observation: AutonomousObservation };

export interface AutonomousState {
  /** When chat last showed activity (start-up counts as activity). */
  lastChatAt: number;
  /** Latest chat lines, oldest first (at most `recentChatWindow`). */
  chat: Array<{ at: number; line: string }>;
  floorOpen: boolean;
  /** People speaking now. */
  humans: string[];
  /** Characters audible now. */
  speaking: string[];
  /** Floor open and nobody audible since then; null when not quiet. */
  quietSince: number | null;
  /** Whether the quiet began when someone stopped speaking or the floor opened (not at start-up). */
  quietAfterSpeech: boolean;
  lastHumanStopAt: number | null;
  lastStartAt: number | null;
  /** Autonomous turns since the last chat activity or person speaking. */
  consecutive: number;
  /** Agenda indices left in this cycle, next first. */
  agendaQueue: number[];
  lastTopic: number | null;
  /** Reactions due, oldest first. */
  notices: NoticeGroup[];
  lastReactionAt: Partial<Record<ChatNoticeType, number>>;
  /** A start or reaction asked for and not yet seen on the floor. */
  inFlight: { what: 'topic' | 'react'; until: number; group: NoticeGroup | null } | null;
  /** Character turns since each character last spoke; absent: never spoke. */
  waited: Record<string, number>;
  /** Next index of the round-robin. */
  turn: number;
}
