import { z } from 'zod';
import { CharacterId } from './characters.ts';

// Group calls: the floor rules a session is created with (stored in `sessions.settings`) and the
// data messages the group job publishes in the room so clients can show who holds the floor.

/** How one character feels about another; shapes who answers whom and how. Directional. */
export const RelationshipKind = z.enum([
  'friendly',
  'competitive',
  'flirtatious',
  'mentor',
  'rival',
  'protective',
  'dismissive',
  'admiring',
  'wary',
]);
export type RelationshipKind = z.infer<typeof RelationshipKind>;

/** `from` feels `kind` towards `to` (e.g. Ada is competitive with Bob). */
export const Relationship = z
  .object({
    from: CharacterId,
    to: CharacterId,
    kind: RelationshipKind,
    /** A few words on the relationship, passed to the character's reply instructions. */
    note: z.string().trim().min(1).max(300).optional(),
  })
  .strict()
  .refine((r) => r.from !== r.to, { message: 'a relationship needs two different characters' });
export type Relationship = z.infer<typeof Relationship>;

/**
 * Who the latest utterance is addressed to, when no character is named: `heuristic` reads it from
 * the words (second person after a character spoke, "everyone", "you two"); `llm` asks the
 * configured LLM and falls back to the heuristic when it does not answer in time.
 */
export const AddressingMode = z.enum(['heuristic', 'llm']);
export type AddressingMode = z.infer<typeof AddressingMode>;

/** Floor rules of a group session. Every field has a default, so `{}` is a valid value. */
export const GroupSettings = z
  .object({
    /**
     * How many character turns in a row may answer another character after a human turn (or a
     * pick-up); then the floor returns to the people. 0: only the first responder speaks.
     * @defaultValue 2
     */
    chainCap: z.number().int().min(0).max(10).default(2),
    /**
     * Chance that a character answers the character who just spoke when nobody was named
     * (relationships scale it). Named characters always answer while under `chainCap`.
     * @defaultValue 0.5
     */
    chainProbability: z.number().min(0).max(1).default(0.5),
    /**
     * A character picks the conversation up after this much silence; null: never (calls).
     * @defaultValue null
     */
    pickupAfterMs: z.number().int().min(1000).max(600_000).nullable().default(null),
    /** May a character answer its own utterance (chains, pick-up)? @defaultValue false */
    allowSelfReply: z.boolean().default(false),
    /**
     * A human must speak this long before a speaking character is interrupted (coughs and
     * "mm-hm" do not take the floor). Measured from the speech onset.
     * @defaultValue 300
     */
    interruptionMinDurationMs: z.number().int().min(0).max(3000).default(300),
    /** @defaultValue 'heuristic' */
    addressing: AddressingMode.default('heuristic'),
    /** Extra names a character answers to, by character id (nicknames, titles). @defaultValue {} */
    aliases: z.record(CharacterId, z.array(z.string().trim().min(1).max(40)).max(10)).default({}),
    /** @defaultValue [] */
    relationships: z.array(Relationship).max(200).default([]),
  })
  .strict();
/** Settings with every default applied (what the agent reads). */
export type GroupSettings = z.infer<typeof GroupSettings>;
/** Settings as a client may send them: every field optional. */
export type GroupSettingsInput = z.input<typeof GroupSettings>;

/** Why a character was given the floor (`line`: show control gave it words to say). */
export const SpeakReason = z.enum(['mention', 'addressed', 'weighted', 'chain', 'pickup', 'line']);
export type SpeakReason = z.infer<typeof SpeakReason>;

/** Data-channel topic of `GroupDataMessage`s (JSON, reliable). */
export const FLOOR_TOPIC = 'troupe.floor';

/**
 * `open`: the floor is with the people and nobody speaks; `human`: one or more humans speak;
 * `character`: a character holds the floor (thinking or speaking).
 */
export const FloorState = z.enum(['open', 'human', 'character']);
export type FloorState = z.infer<typeof FloorState>;

/** Published by the group job whenever the floor changes hands. */
export const FloorMessage = z.object({
  type: z.literal('floor'),
  /** Increases with every floor message of a room, so late deliveries can be dropped. */
  seq: z.number().int().nonnegative(),
  state: FloorState,
  /** The character holding the floor; null unless `state` is `character`. */
  speaker: CharacterId.nullable(),
  /** The character preparing to speak next, if any (hand-over without dead air). */
  next: CharacterId.nullable(),
  /** Identities of the humans speaking now. */
  humans: z.array(z.string().min(1).max(128)).max(100),
  /** Why `speaker` has the floor. */
  reason: SpeakReason.nullable(),
  /** Identity (human) or character id that `speaker` answers. */
  replyTo: z.string().min(1).max(128).nullable(),
});
export type FloorMessage = z.infer<typeof FloorMessage>;

/** Who is audible now; needed when one participant voices several characters. */
export const SpeakingMessage = z.object({
  type: z.literal('speaking'),
  /** Human identity or character id. */
  speaker: z.string().min(1).max(128),
  role: z.enum(['human', 'character']),
  speaking: z.boolean(),
});
export type SpeakingMessage = z.infer<typeof SpeakingMessage>;

export const GroupDataMessage = z.discriminatedUnion('type', [FloorMessage, SpeakingMessage]);
export type GroupDataMessage = z.infer<typeof GroupDataMessage>;
