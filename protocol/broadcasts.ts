import { z } from 'zod';
import { CharacterId } from './characters.ts';
import { GroupSettings } from './group.ts';
import { MAX_GROUP_CHARACTERS } from './sessions.ts';

// Broadcasts: a group room with an audience, sent out over RTMP (Twitch and extra destinations).
// Secrets (stream keys, the chat OAuth token) go in and never come out: the public view says only
// whether each one is set.

/** Where Twitch takes RTMP when no ingest is named (its global auto-selecting ingest). */
export const DEFAULT_TWITCH_INGEST = 'rtmp://live.twitch.tv/app';
/** Extra RTMP destinations besides Twitch, at most. */
export const MAX_BROADCAST_DESTINATIONS = 5;

/** `idle` (never started), `starting`, `live`, `stopping`, `ended`, `failed` (see `lastError`). */
export const BroadcastStatus = z.enum(['idle', 'starting', 'live', 'stopping', 'ended', 'failed']);
export type BroadcastStatus = z.infer<typeof BroadcastStatus>;

/**
 * How the room leaves as RTMP: `egress` (LiveKit Egress, room composite of the stage page),
 * `builtin` (the agent's ffmpeg output), or `auto` (egress when the server has it configured).
 */
export const BroadcastOutput = z.enum(['auto', 'egress', 'builtin']);
export type BroadcastOutput = z.infer<typeof BroadcastOutput>;
export const BroadcastOutputKind = z.enum(['egress', 'builtin']);
export type BroadcastOutputKind = z.infer<typeof BroadcastOutputKind>;

const printable = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
/** A stream key as the platform shows it (Twitch `live_…`, YouTube `xxxx-xxxx-…`). A secret. */
export const StreamKey = printable(512);
/** Twitch chat OAuth token (`oauth:…` or bare). A secret. */
export const ChatOAuthToken = printable(512);
/** An RTMP(S) ingest URL without the key, which goes in `streamKey`. */
export const RtmpUrl = z
  .string()
  .max(2048)
  .pipe(z.url({ protocol: /^rtmps?$/, error: 'must be an rtmp:// or rtmps:// URL' }))
  .refine((u) => !/^rtmps?:\/\/[^/]*@/.test(u), 'must not carry credentials');
/** A Twitch login: 3–25 letters, digits or underscores; stored lowercased. */
export const TwitchChannel = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_]{3,25}$/, 'must be a Twitch login (3–25 letters, digits or _)')
  .transform((c) => c.toLowerCase());
const Title = z.string().trim().min(1).max(120);
const DestinationName = z.string().trim().min(1).max(60);
const DestinationId = z.string().regex(/^[A-Za-z0-9_-]{8,32}$/);

/** What the characters do when nobody talks to them. Every field has a default. */
export const AutonomousSettings = z
  .object({
    /** Characters fill idle time on their own. @defaultValue false */
    enabled: z.boolean().default(false),
    /** Silence (no chat, no speech) before the characters start on their own. @defaultValue 20000 */
    idleAfterMs: z.number().int().min(1000).max(600_000).default(20_000),
    /** While idle, one autonomous turn at most this often. @defaultValue 60000 */
    cadenceMs: z.number().int().min(5000).max(3_600_000).default(60_000),
    /** Topics to work through, in order, when idle. @defaultValue [] */
    agenda: z.array(z.string().trim().min(1).max(300)).max(50).default([]),
  })
  .strict();
export type AutonomousSettings = z.infer<typeof AutonomousSettings>;

const even = (n: number) => n % 2 === 0;
/** The composed picture. Dimensions are even (H.264 4:2:0). */
export const BroadcastVideo = z
  .object({
    /** @defaultValue 1280 */
    width: z.number().int().min(320).max(1920).refine(even, 'must be even').default(1280),
    /** @defaultValue 720 */
    height: z.number().int().min(240).max(1080).refine(even, 'must be even').default(720),
    /** @defaultValue 30 */
    fps: z.number().int().min(10).max(60).default(30),
  })
  .strict();
export type BroadcastVideo = z.infer<typeof BroadcastVideo>;

const TwitchInput = z
  .object({
    channel: TwitchChannel,
    streamKey: StreamKey.optional(),
    /** @defaultValue DEFAULT_TWITCH_INGEST */
    ingestUrl: RtmpUrl.default(DEFAULT_TWITCH_INGEST),
    /** Lets the characters answer in chat. A secret, stored like the stream key. */
    chatOAuthToken: ChatOAuthToken.optional(),
  })
  .strict();

const DestinationInput = z
  .object({
    name: DestinationName,
    url: RtmpUrl,
    /** Appended to `url` as its last path segment; none for servers that take the URL alone. */
    streamKey: StreamKey.optional(),
  })
  .strict();

const CharacterIds = z
  .array(CharacterId)
  .min(2)
  .max(MAX_GROUP_CHARACTERS)
  .refine((ids) => new Set(ids).size === ids.length, { message: 'characters must be different' });

/** Group settings may only name the broadcast's own characters. */
function settingsNameCast(
  b: { characterIds?: string[]; settings?: z.input<typeof GroupSettings> },
  ctx: z.RefinementCtx,
): void {
  if (!b.characterIds || !b.settings) return;
  const ids = new Set(b.characterIds);
  const named = [
    ...(b.settings.relationships ?? []).flatMap((r) => [r.from, r.to]),
    ...Object.keys(b.settings.aliases ?? {}),
  ];
  for (const id of named)
    if (!ids.has(id))
      ctx.addIssue({ code: 'custom', path: ['settings'], message: `${id} is not one of characterIds` });
}

/** `POST /api/broadcasts`. */
export const CreateBroadcastRequest = z
  .object({
    title: Title,
    characterIds: CharacterIds,
    twitch: TwitchInput,
    destinations: z.array(DestinationInput).max(MAX_BROADCAST_DESTINATIONS).default([]),
    autonomous: AutonomousSettings.default(AutonomousSettings.parse({})),
    settings: GroupSettings.optional(),
    output: BroadcastOutput.default('auto'),
    video: BroadcastVideo.default(BroadcastVideo.parse({})),
  })
  .strict()
  .superRefine(settingsNameCast);
export type CreateBroadcastRequest = z.infer<typeof CreateBroadcastRequest>;

/**
 * `PATCH /api/broadcasts/:id`: only what changes. A secret is replaced by a new value, cleared by
 * null, kept when absent; it is never read back. `destinations` replaces the whole list: an entry
 * with the `id` of an existing destination keeps that destination's key unless it sends one.
 */
export const UpdateBroadcastRequest = z
  .object({
    title: Title.optional(),
    characterIds: CharacterIds.optional(),
    twitch: z
      .object({
        channel: TwitchChannel.optional(),
        streamKey: StreamKey.nullable().optional(),
        ingestUrl: RtmpUrl.optional(),
        chatOAuthToken: ChatOAuthToken.nullable().optional(),
      })
      .strict()
      .optional(),
    destinations: z
      .array(
        DestinationInput.extend({
          id: DestinationId.optional(),
          streamKey: StreamKey.nullable().optional(),
        }).strict(),
      )
      .max(MAX_BROADCAST_DESTINATIONS)
      .optional(),
    autonomous: AutonomousSettings.optional(),
    settings: GroupSettings.optional(),
    output: BroadcastOutput.optional(),
    video: BroadcastVideo.optional(),
  })
  .strict()
  .superRefine(settingsNameCast);
export type UpdateBroadcastRequest = z.infer<typeof UpdateBroadcastRequest>;

/** A broadcast as the API shows it: every setting, no secret. */
export const Broadcast = z.object({
  id: z.uuid(),
  ownerId: z.uuid(),
  title: z.string(),
  characterIds: z.array(CharacterId),
  twitch: z.object({
    channel: z.string(),
    ingestUrl: z.string(),
    streamKeySet: z.boolean(),
    chatOAuthTokenSet: z.boolean(),
  }),
  destinations: z.array(
    z.object({ id: z.string(), name: z.string(), url: z.string(), streamKeySet: z.boolean() }),
  ),
  autonomous: AutonomousSettings,
  settings: GroupSettings,
  /** What was asked for. */
  output: BroadcastOutput,
  /** What the current or last run used; null before the first start. */
  outputUsed: BroadcastOutputKind.nullable(),
  video: BroadcastVideo,
  status: BroadcastStatus,
  /** The group session of the current or last run. */
  sessionId: z.uuid().nullable(),
  roomName: z.string().nullable(),
  /** LiveKit's egress id while egress carries the stream. */
  egressId: z.string().nullable(),
  startedAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  /** Why the last run failed; null otherwise. */
  lastError: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Broadcast = z.infer<typeof Broadcast>;

export const BroadcastList = z.object({ broadcasts: z.array(Broadcast) });
export type BroadcastList = z.infer<typeof BroadcastList>;

/** How to open the stage page with a view-only token (an OBS browser source, or egress's Chrome). */
export const StageAccess = z.object({
  /** `<PUBLIC_WEB_URL>/#/stage/<broadcastId>?token=<view-only token>&url=<LiveKit URL>`. */
  stageUrl: z.string(),
  /** LiveKit URL for browsers. */
  url: z.string(),
  roomName: z.string(),
  /** Subscribe only: cannot publish, hidden from the other participants. */
  token: z.string(),
  identity: z.string(),
});
export type StageAccess = z.infer<typeof StageAccess>;

/** `POST /api/broadcasts/:id/start`: the broadcast, and the host's way into its room. */
export const StartBroadcastResponse = z.object({
  broadcast: Broadcast,
  /** A room token for the owner (speaking on the show); the agent is dispatched by the server. */
  host: z.object({ url: z.string(), roomName: z.string(), token: z.string(), identity: z.string() }),
});
export type StartBroadcastResponse = z.infer<typeof StartBroadcastResponse>;

/**
 * `GET /api/internal/broadcasts/:id/output` (agent only): the decrypted RTMP targets for the
 * built-in output and the chat credentials. The only place secrets leave the API in clear.
 */
export const BroadcastOutputTargets = z.object({
  broadcastId: z.uuid(),
  video: BroadcastVideo,
  /** `ingestUrl/streamKey` for Twitch (when it has a key) and each destination. */
  rtmp: z.array(z.object({ name: z.string(), url: z.string() })),
  chat: z.object({ channel: z.string(), oauthToken: z.string().nullable() }),
  autonomous: AutonomousSettings,
});
export type BroadcastOutputTargets = z.infer<typeof BroadcastOutputTargets>;

/** `POST /api/internal/broadcasts/:id/status` (agent only): the built-in output's state. */
export const BroadcastStatusReport = z
  .object({
    status: z.enum(['live', 'failed', 'ended']),
    error: z.string().trim().min(1).max(1000).optional(),
  })
  .strict();
export type BroadcastStatusReport = z.infer<typeof BroadcastStatusReport>;
