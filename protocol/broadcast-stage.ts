import { z } from 'zod';
import { CharacterId } from './characters.ts';
import { SpeakingMessage } from './group.ts';

// Broadcasts: the data messages the group job publishes for the stage — the web client's stage
// page (also the Egress template and an OBS browser source) and the built-in video output render
// the same messages, so this is their one contract. JSON over the room's reliable data channel.

/** Data-channel topic of `StageMessage`s. */
export const STAGE_TOPIC = 'troupe.stage';

/** How the stage changes the character in the spotlight. */
export const StageTransition = z.enum(['instant', 'smooth', 'dramatic']);
export type StageTransition = z.infer<typeof StageTransition>;

/** Expression and motion names: short slugs, checked by the agent against its allowed lists. */
export const GestureName = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a lowercase slug');

/** Increases with every stage message of a room, so late or duplicated deliveries can be dropped. */
const seq = z.number().int().nonnegative();

/** Start the transition now; after `durationMs`, `characterId` is the one in the spotlight. */
export const StageSwitchMessage = z.object({
  type: z.literal('switch'),
  seq,
  characterId: CharacterId,
  /** The character leaving the spotlight; null when nobody was on stage. */
  from: CharacterId.nullable(),
  transition: StageTransition,
  /** 0 for `instant`. A `dramatic` switch is published after its spoken announcement. */
  durationMs: z.number().int().min(0).max(30_000),
});
export type StageSwitchMessage = z.infer<typeof StageSwitchMessage>;

/** Show a facial expression (held until the next one) or play a motion once. */
export const StageGestureMessage = z.object({
  type: z.enum(['expression', 'motion']),
  seq,
  characterId: CharacterId,
  name: GestureName,
});
export type StageGestureMessage = z.infer<typeof StageGestureMessage>;

/**
 * A caption of what someone says. Interim captions of a speaker are replaced by the next caption
 * of the same speaker; a `final` one is the complete utterance (or the part that was heard).
 */
export const StageCaptionMessage = z.object({
  type: z.literal('caption'),
  seq,
  /** Character id or human identity. */
  speaker: z.string().min(1).max(128),
  /** Display name of the speaker. */
  name: z.string().min(1).max(128),
  text: z.string().max(2000),
  final: z.boolean(),
});
export type StageCaptionMessage = z.infer<typeof StageCaptionMessage>;

/** An audience chat line the stage shows among the recent chat (already moderated). */
export const StageChatMessage = z.object({
  type: z.literal('chat'),
  seq,
  /** Display name of the chat user. */
  user: z.string().min(1).max(64),
  text: z.string().min(1).max(500),
  /** The chat's colour for the user, `#rrggbb`, when it has one. */
  color: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/)
    .optional(),
});
export type StageChatMessage = z.infer<typeof StageChatMessage>;

/** Chat events the characters react to (and the stage may show as an alert). */
export const ChatNoticeType = z.enum(['sub', 'resub', 'raid', 'bits', 'follow']);
export type ChatNoticeType = z.infer<typeof ChatNoticeType>;

export const ChatNotice = z.object({
  type: ChatNoticeType,
  /** Display name of the user who subscribed, raided, cheered or followed. */
  user: z.string().min(1).max(64),
  /** Viewers of a raid, bits cheered, months of a resub. */
  amount: z.number().int().nonnegative().optional(),
  /** The message that came with it (resub message, cheer text), already moderated. */
  detail: z.string().max(500).optional(),
});
export type ChatNotice = z.infer<typeof ChatNotice>;

/** A chat notice for an on-stage alert. */
export const StageNoticeMessage = z.object({
  type: z.literal('notice'),
  seq,
  notice: ChatNotice,
});
export type StageNoticeMessage = z.infer<typeof StageNoticeMessage>;

/**
 * The whole stage at once: published when a viewer (stage page, egress) joins late, so it needs
 * no history to render the spotlight.
 */
export const StageStateMessage = z.object({
  type: z.literal('stage'),
  seq,
  /** The character in the spotlight; null before the first switch. */
  active: CharacterId.nullable(),
  cast: z.array(z.object({ id: CharacterId, name: z.string().min(1).max(128) })).max(20),
  /** Last expression of each character, by character id. */
  expressions: z.record(CharacterId, GestureName),
});
export type StageStateMessage = z.infer<typeof StageStateMessage>;

/** Who is audible now (the group call's message, also sent on the stage topic). */
export const StageSpeakingMessage = SpeakingMessage.extend({ seq });
export type StageSpeakingMessage = z.infer<typeof StageSpeakingMessage>;

export const StageMessage = z.discriminatedUnion('type', [
  StageSwitchMessage,
  StageGestureMessage,
  StageCaptionMessage,
  StageChatMessage,
  StageNoticeMessage,
  StageStateMessage,
  StageSpeakingMessage,
]);
export type StageMessage = z.infer<typeof StageMessage>;
