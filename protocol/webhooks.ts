import { z } from 'zod';

/**
 * The part of a LiveKit webhook event (`livekit.WebhookEvent`, as livekit-server posts it:
 * protobuf JSON, camelCase names, enums as their names, 64-bit integers as strings) that Troupe
 * reads. Every other field LiveKit sends is accepted and ignored.
 */
export const LivekitParticipantInfo = z.looseObject({
  sid: z.string().optional(),
  identity: z.string(),
  name: z.string().optional(),
  /** `livekit.ParticipantInfo.Kind`; absent means STANDARD (a person with a client). */
  kind: z.string().optional(),
});
export type LivekitParticipantInfo = z.infer<typeof LivekitParticipantInfo>;

export const LivekitRoomInfo = z.looseObject({
  sid: z.string().optional(),
  /** Troupe names a session's room `call-<sessionId>`. */
  name: z.string(),
});

/** `livekit.EgressInfo` as webhooks carry it; `status` is the enum's name (`EGRESS_ACTIVE`, …). */
export const LivekitEgressInfo = z.looseObject({
  egressId: z.string(),
  roomName: z.string().optional(),
  status: z.string().optional(),
  /** Why it failed, when it did. */
  error: z.string().optional(),
});
export type LivekitEgressInfo = z.infer<typeof LivekitEgressInfo>;

export const LivekitWebhookEvent = z.looseObject({
  /** `room_started`, `room_finished`, `participant_joined`, `participant_left`, `track_published`, … */
  event: z.string(),
  /** Unique per event: LiveKit may deliver one event more than once. */
  id: z.string().optional(),
  /** Unix seconds, as a string. */
  createdAt: z.union([z.string(), z.number()]).optional(),
  room: LivekitRoomInfo.optional(),
  participant: LivekitParticipantInfo.optional(),
  /** Egress events (`egress_started`, `egress_updated`, `egress_ended`). */
  egressInfo: LivekitEgressInfo.optional(),
});
export type LivekitWebhookEvent = z.infer<typeof LivekitWebhookEvent>;

/** What `POST /api/livekit/webhook` answers to an event that passed its signature check. */
export const LivekitWebhookAck = z.object({
  /** False for events Troupe does not act on and rooms that are not a session's. */
  handled: z.boolean(),
  sessionId: z.string().uuid().optional(),
});
export type LivekitWebhookAck = z.infer<typeof LivekitWebhookAck>;
