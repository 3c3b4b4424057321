import { z } from 'zod';

/** Longest an invite may live: a week. */
export const MAX_INVITE_TTL_S = 7 * 24 * 3600;
/** Lifetime of an invite when none is asked for: an hour. */
export const DEFAULT_INVITE_TTL_S = 3600;

/** `POST /api/sessions/:id/invites`. */
export const CreateInviteRequest = z.strictObject({
  expiresInS: z.number().int().min(1).max(MAX_INVITE_TTL_S).optional(),
});
export type CreateInviteRequest = z.infer<typeof CreateInviteRequest>;

export const InviteStatus = z.enum(['active', 'expired', 'revoked']);
export type InviteStatus = z.infer<typeof InviteStatus>;

/** An invite as listed: never its code. */
export const Invite = z.object({
  id: z.uuid(),
  sessionId: z.uuid(),
  status: InviteStatus,
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
});
export type Invite = z.infer<typeof Invite>;

/** Answer to creating an invite: the only time its code is shown. */
export const CreatedInvite = z.object({
  id: z.uuid(),
  /** High-entropy, URL-safe; whoever holds it may join the session's room until it expires. */
  code: z.string(),
  /** The web client's page that joins with this code. */
  url: z.string(),
  expiresAt: z.iso.datetime(),
});
export type CreatedInvite = z.infer<typeof CreatedInvite>;

export const InviteList = z.object({ invites: z.array(Invite) });
export type InviteList = z.infer<typeof InviteList>;

/** `POST /api/invites/:code/join`; no account needed. */
export const JoinInviteRequest = z.strictObject({
  displayName: z.string().trim().min(1).max(60).optional(),
});
export type JoinInviteRequest = z.infer<typeof JoinInviteRequest>;

/** A room token for one participant of an existing session (a guest, or the owner again). */
export const RoomAccess = z.object({
  sessionId: z.uuid(),
  roomName: z.string(),
  /** LiveKit server URL for the client (ws:// or wss://). */
  url: z.string(),
  token: z.string(),
  identity: z.string(),
});
export type RoomAccess = z.infer<typeof RoomAccess>;
