import type { FloorMessage, GroupSettings, SpeakReason } from '../../../protocol/index.ts';
import type { AddresseeRequest, ChooseAddressee } from './addressing.ts';
import type { RelationshipHint } from './relationships.ts';

// Types of the floor controller: its options, the events it is fed, the effects it asks for and
// the state its reducer keeps. See floor.ts for how they fit together.

/** A character as the floor sees it. */
export interface FloorCharacter {
  id: string;
  name: string;
  /** How readily it speaks up, 0 (only when named) to 1. @defaultValue 0.5 */
  talkativeness?: number;
  /** Further names it answers to; merged with `FloorOptions.aliases`. */
  aliases?: readonly string[];
}

export interface FloorOptions extends Omit<GroupSettings, 'relationships'> {
  /** Relationships between the characters, as stored in the session. @defaultValue [] */
  relationships: GroupSettings['relationships'];
  /**
   * How long the LLM may take to choose the addressee before the heuristic decides.
   * Dead air: keep it short. @defaultValue 800
   */
  addressingTimeoutMs: number;
  /** Called when `addressing` is `llm`; without it the heuristic always decides. @defaultValue undefined */
  chooseAddressee?: ChooseAddressee;
  /**
   * Fairness in weighted choices: each character turn a character has waited since it last spoke
   * adds this much to its weight factor (up to `fairnessHorizon` turns). 0: talkativeness only.
   * @defaultValue 0.5
   */
  fairness: number;
  /** Turns of waiting that still raise the weight. @defaultValue 4 */
  fairnessHorizon: number;
  /** "Everyone, …" is answered by at most this many characters in turn. @defaultValue 3 */
  maxGroupReplies: number;
  /**
   * When several humans spoke, how long after one stops its final transcript is awaited before the
   * others' utterances are answered without it. @defaultValue 700
   */
  finalTranscriptWaitMs: number;
  /** Utterances kept for addressing and the LLM hook. @defaultValue 12 */
  historySize: number;
}

/** The utterance a reply answers. */
export interface Utterance {
  /** Human identity or character id. */
  speaker: string;
  name: string;
  role: 'human' | 'character';
  text: string;
  at: number;
}

/**
 * A subject a character is asked to bring up (broadcast autonomous mode: an agenda topic, or a
 * reaction to a chat notice), shaped by the audience's recent chat.
 */
export interface TopicCue {
  /** What to talk about, ready to put into instructions; null: the character's own choice. */
  text: string | null;
  /** Recent audience chat lines ("user: text"), oldest first. */
  recentChat: string[];
  /** `idle` / `cadence`: an agenda topic; `notice`: a reaction to a subscription, raid, … */
  source: 'idle' | 'cadence' | 'notice';
}

/** What a character is asked to say and why. */
export interface SpeakPlan {
  /** Unique per controller; effects about the same reply carry the same id. */
  turnId: string;
  reason: SpeakReason;
  replyTo: Utterance | null;
  /** 0 for an answer to a human or a pick-up; n for the nth character in a row answering a character. */
  chainIndex: number;
  /** How the character feels about the one it answers, with the instruction to add. */
  relationship: RelationshipHint | null;
  /** Set on a turn started by an `autonomousTopic` event (reason `pickup`, no `replyTo`). */
  topic?: TopicCue;
  /** Set on a turn started by a `scriptedLine` event (reason `line`): these words, not a reply. */
  line?: { id: string; text: string };
}

/** Inputs. `at` is the time on the controller's clock; when left out, the clock's now. */
export type FloorEvent =
  | { type: 'humanSpeechStarted'; identity: string; at?: number }
  | { type: 'humanSpeechStopped'; identity: string; at?: number }
  /**
   * The person's VAD has heard `spokenMs` of speech in their current segment (audio time, not
   * time since `humanSpeechStarted`). A VAD that runs behind real time on a busy machine delivers
   * its events late and in bursts; this count keeps the barge-in threshold honest all the same.
   */
  | { type: 'humanSpeaking'; identity: string; spokenMs: number; at?: number }
  | { type: 'humanUtterance'; identity: string; name: string; text: string; at?: number }
  /** The LLM hook's answer (character ids in answer order), or null when it failed. */
  | { type: 'addresseeDecided'; requestId: string; characterIds: string[] | null }
  /** The reply's text is known (its LLM finished): the next speaker can now be prepared. */
  | { type: 'characterReplyReady'; characterId: string; text: string }
  | { type: 'characterSpeechStarted'; characterId: string; at?: number }
  | { type: 'characterPlayoutFinished'; characterId: string; text?: string; at?: number }
  /** The character stopped early; `heardText` is the part listeners heard, the only part kept. */
  | { type: 'characterInterrupted'; characterId: string; heardText: string; at?: number }
  /**
   * Bring up a topic now (broadcast autonomous mode). Taken like a pick-up — by `characterId`, or a
   * weighted choice when it is left out or unknown — only when the floor is open: nobody speaks,
   * holds or waits for it and no human utterance is pending. Otherwise declined (`topicDeclined`).
   */
  | { type: 'autonomousTopic'; topic: TopicCue; characterId?: string; at?: number }
  /**
   * Have `characterId` say `text` word for word (show control). Taken at once, as the current turn,
   * only when no person speaks, is due a transcript or is being answered; without `interrupt` also
   * only on an open floor, with it a character holding the floor is stopped for the line. A pending
   * answer to a person waits for the line. Otherwise declined (`lineDeclined`).
   */
  | {
      type: 'scriptedLine';
      characterId: string;
      lineId: string;
      text: string;
      interrupt: boolean;
      at?: number;
    }
  | { type: 'tick'; at?: number };

/** Things the controller reports for logs and metrics. */
export type FloorObservation =
  | {
      kind: 'decision';
      characterId: string;
      reason: SpeakReason;
      replyTo: string | null;
      /** Weights of the candidates when the choice was weighted. */
      weights?: Record<string, number>;
    }
  | { kind: 'bargeIn'; identity: string; speechStartedAt: number; at: number; interrupted: string[] }
  | { kind: 'turnEnded'; characterId: string; text: string; interrupted: boolean }
  | { kind: 'chainEnded'; length: number; capped: boolean }
  | { kind: 'addressingTimedOut'; requestId: string }
  /** An `autonomousTopic` was not taken: the floor was not open (`busy`) or nobody may speak (`nobody`). */
  | { kind: 'topicDeclined'; topic: TopicCue; why: 'busy' | 'nobody' }
  /** A `scriptedLine` was not taken: a person has the floor, a character does, or no such character. */
  | { kind: 'lineDeclined'; lineId: string; why: 'human' | 'busy' | 'nobody' };

/** Outputs: what the wiring must do, in order. */
export type FloorEffect =
  /** Start generating this reply now but do not play it (pause its authorisation). */
  | { type: 'prepare'; characterId: string; plan: SpeakPlan }
  /** Play this reply (authorise it, or generate and play it if it was not prepared). */
  | { type: 'speak'; characterId: string; plan: SpeakPlan }
  /** Withdraw the authorisation of a reply that has not started playing (a human began to speak). */
  | { type: 'hold'; characterId: string; turnId: string }
  /** Drop a prepared or held reply that never played. */
  | { type: 'cancel'; characterId: string; turnId: string }
  /** Stop this character now, thinking or speaking (`session.interrupt()`); keep only what was heard. */
  | { type: 'interrupt'; characterId: string; turnId: string | null }
  /** No character holds or waits for the floor any more: it is the people's. */
  | { type: 'floorToHumans' }
  /** Ask the LLM hook; answer with an `addresseeDecided` event carrying `requestId`. */
  | { type: 'decideAddressee'; requestId: string; request: AddresseeRequest }
  /** Publish on `FLOOR_TOPIC`. */
  | { type: 'publish'; message: FloorMessage }
  | { type: 'observe'; observation: FloorObservation };

export interface CharacterTurn {
  characterId: string;
  plan: SpeakPlan;
  /** planned: no effect yet; prepared: `prepare` sent; requested: `speak` sent; speaking: audible. */
  status: 'planned' | 'prepared' | 'requested' | 'speaking';
  /** The reply's text once known. */
  text: string | null;
  /** Whether the turn after it was already planned (the chain draw is made once per turn). */
  followed: boolean;
}

export interface FloorControllerState {
  /** Humans speaking now: identity → onset time and whether they crossed the interruption threshold. */
  humans: Record<string, { since: number; crossed: boolean }>;
  /** Humans who stopped speaking and whose final transcript is still due: identity → when to stop waiting. */
  awaitingFinal: Record<string, number>;
  /** Final human utterances not yet answered, oldest first. */
  pending: Utterance[];
  /** Recent utterances, oldest first (at most `historySize`). */
  history: Utterance[];
  /** The turn holding the floor (asked to speak, or speaking). */
  current: CharacterTurn | null;
  /** The turns to follow, in order; only the first may be prepared. */
  queue: CharacterTurn[];
  /** Character turns answering a character since the last human turn or pick-up. */
  chain: number;
  /** Characters who spoke since the last human turn (or pick-up). */
  spokeThisRound: string[];
  /** Character turns since each character last spoke; absent: never spoke. */
  waited: Record<string, number>;
  /** The floor has been open (nobody speaking or waiting) since then; null when it is not open. */
  openSince: number | null;
  /** A pending LLM addressing decision. */
  deciding: { requestId: string; utterance: Utterance; deadline: number } | null;
  /** Last published floor message (seq included). */
  published: FloorMessage | null;
  nextId: number;
  /** Characters told to stop whose `characterInterrupted` (with the heard text) is still due. */
  stopping: string[];
}
