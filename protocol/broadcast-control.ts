import { z } from 'zod';
import { CharacterId } from './characters.ts';
import { StageTransition } from './broadcast-stage.ts';

// Broadcasts: what the owner's control page tells the running show. JSON over the room's
// reliable data channel; the job obeys only messages whose sender is the broadcast's owner
// (the identity of the owner's room token) and ignores everything else on the topic.

/** Data-channel topic of `ControlMessage`s. */
export const BROADCAST_CONTROL_TOPIC = 'troupe.control';

/** Put `characterId` in the spotlight with the given transition. */
export const ControlSwitchMessage = z
  .object({ type: z.literal('switch'), characterId: CharacterId, transition: StageTransition })
  .strict();
export type ControlSwitchMessage = z.infer<typeof ControlSwitchMessage>;

/** Turn autonomous talk (characters filling idle time) on or off for the rest of the run. */
export const ControlAutonomousMessage = z
  .object({ type: z.literal('autonomous'), enabled: z.boolean() })
  .strict();
export type ControlAutonomousMessage = z.infer<typeof ControlAutonomousMessage>;

/** A topic for the characters to take up next (also the next autonomous agenda item). */
export const ControlTopicMessage = z
  .object({ type: z.literal('topic'), text: z.string().trim().min(1).max(300) })
  .strict();
export type ControlTopicMessage = z.infer<typeof ControlTopicMessage>;

/** What a moderator does to a chat line or its author. */
export const ModerationAction = z.enum(['delete', 'timeout', 'ban']);
export type ModerationAction = z.infer<typeof ModerationAction>;

/**
 * A moderation action on Twitch chat: `delete` removes one message (needs `messageId`), `timeout`
 * silences `user` for a while (the job's default length), `ban` bans them. `user` is the chat
 * login or display name as the stage showed it.
 */
export const ControlModerateMessage = z
  .object({
    type: z.literal('moderate'),
    action: ModerationAction,
    user: z.string().trim().min(1).max(64),
    /** Twitch's id of the message (`delete` only). */
    messageId: z.string().min(1).max(128).optional(),
  })
  .strict()
  .refine((m) => m.action !== 'delete' || m.messageId !== undefined, {
    message: 'delete needs messageId',
    path: ['messageId'],
  });
export type ControlModerateMessage = z.infer<typeof ControlModerateMessage>;

export const ControlMessage = z.discriminatedUnion('type', [
  ControlSwitchMessage,
  ControlAutonomousMessage,
  ControlTopicMessage,
  ControlModerateMessage,
]);
export type ControlMessage = z.infer<typeof ControlMessage>;
