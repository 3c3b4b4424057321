import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { broadcasts, type StoredDestination } from '../../../db/schema.ts';
import {
  AutonomousSettings,
  BroadcastVideo,
  GroupSettings,
  type Broadcast,
  type BroadcastStatus,
  type CreateBroadcastRequest,
  type UpdateBroadcastRequest,
} from '../../../protocol/index.ts';
import { roomNameFor } from '../sessions.ts';
import type { SecretBox } from './secrets.ts';
import { secretContext } from './secrets.ts';
import type { RtmpTarget } from './outputs.ts';

export type BroadcastRow = typeof broadcasts.$inferSelect;
type BroadcastPatch = Partial<typeof broadcasts.$inferInsert>;

const newDestinationId = () => randomBytes(9).toString('base64url');

/**
 * The broadcasts table: the only code that seals and opens the broadcast secrets, and the only
 * place a row becomes the public view (which says whether a secret is set, never what it is).
 */
export class BroadcastStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  async insert(id: string, ownerId: string, req: CreateBroadcastRequest): Promise<BroadcastRow> {
    const [row] = await this.db
      .insert(broadcasts)
      .values({
        id,
        ownerId,
        title: req.title,
        characterIds: req.characterIds,
        twitchChannel: req.twitch.channel,
        twitchIngestUrl: req.twitch.ingestUrl,
        twitchStreamKeyEnc: this.sealOptional(req.twitch.streamKey, secretContext.twitchStreamKey(id)),
        twitchChatTokenEnc: this.sealOptional(req.twitch.chatOAuthToken, secretContext.twitchChatToken(id)),
        destinations: req.destinations.map((d) => {
          const destId = newDestinationId();
          return {
            id: destId,
            name: d.name,
            url: d.url,
            streamKeyEnc: this.sealOptional(d.streamKey, secretContext.destinationKey(id, destId)),
          };
        }),
        autonomous: req.autonomous,
        settings: req.settings ?? GroupSettings.parse({}),
        video: req.video,
        output: req.output,
      })
      .returning();
    return row!;
  }

  /** The columns a PATCH changes, secrets sealed; absent fields stay as they are. */
  patchFor(row: BroadcastRow, req: UpdateBroadcastRequest): BroadcastPatch {
    const id = row.id;
    const patch: BroadcastPatch = {};
    if (req.title !== undefined) patch.title = req.title;
    if (req.characterIds !== undefined) patch.characterIds = req.characterIds;
    if (req.twitch?.channel !== undefined) patch.twitchChannel = req.twitch.channel;
    if (req.twitch?.ingestUrl !== undefined) patch.twitchIngestUrl = req.twitch.ingestUrl;
    if (req.twitch?.streamKey !== undefined)
      patch.twitchStreamKeyEnc = this.sealOptional(req.twitch.streamKey, secretContext.twitchStreamKey(id));
    if (req.twitch?.chatOAuthToken !== undefined)
      patch.twitchChatTokenEnc = this.sealOptional(
        req.twitch.chatOAuthToken,
        secretContext.twitchChatToken(id),
      );
    if (req.destinations !== undefined) {
      const existing = new Map(row.destinations.map((d) => [d.id, d]));
      patch.destinations = req.destinations.map((d): StoredDestination => {
        const kept = d.id === undefined ? undefined : existing.get(d.id);
        const destId = kept?.id ?? newDestinationId();
        const streamKeyEnc =
          d.streamKey === undefined
            ? (kept?.streamKeyEnc ?? null)
            : this.sealOptional(d.streamKey, secretContext.destinationKey(id, destId));
        return { id: destId, name: d.name, url: d.url, streamKeyEnc };
      });
    }
    if (req.autonomous !== undefined) patch.autonomous = req.autonomous;
    if (req.settings !== undefined) patch.settings = req.settings;
    if (req.output !== undefined) patch.output = req.output;
    if (req.video !== undefined) patch.video = req.video;
    return patch;
  }

  async get(id: string): Promise<BroadcastRow | undefined> {
    const [row] = await this.db.select().from(broadcasts).where(eq(broadcasts.id, id)).limit(1);
    return row;
  }

  async listOwned(ownerId: string): Promise<BroadcastRow[]> {
    return this.db
      .select()
      .from(broadcasts)
      .where(eq(broadcasts.ownerId, ownerId))
      .orderBy(desc(broadcasts.createdAt), desc(broadcasts.id));
  }

  async findByEgress(egressId: string): Promise<BroadcastRow | undefined> {
    const [row] = await this.db.select().from(broadcasts).where(eq(broadcasts.egressId, egressId)).limit(1);
    return row;
  }

  async findBySession(sessionId: string): Promise<BroadcastRow | undefined> {
    const [row] = await this.db.select().from(broadcasts).where(eq(broadcasts.sessionId, sessionId)).limit(1);
    return row;
  }

  /**
   * Writes `patch` only while the status is one of `from` (every status when omitted), so two
   * requests racing to start or stop cannot both win. Resolves with the new row, or undefined.
   */
  async update(
    id: string,
    patch: BroadcastPatch,
    from?: readonly BroadcastStatus[],
  ): Promise<BroadcastRow | undefined> {
    const [row] = await this.db
      .update(broadcasts)
      .set({ ...patch, updatedAt: new Date() })
      .where(from ? and(eq(broadcasts.id, id), inArray(broadcasts.status, [...from])) : eq(broadcasts.id, id))
      .returning();
    return row;
  }

  async remove(id: string): Promise<boolean> {
    const deleted = await this.db
      .delete(broadcasts)
      .where(eq(broadcasts.id, id))
      .returning({ id: broadcasts.id });
    return deleted.length > 0;
  }

  /** The RTMP targets in clear: Twitch (when it has a key) and every destination. */
  targets(row: BroadcastRow): RtmpTarget[] {
    const out: RtmpTarget[] = [];
    if (row.twitchStreamKeyEnc)
      out.push({
        name: 'twitch',
        url: joinKey(
          row.twitchIngestUrl,
          this.box.open(row.twitchStreamKeyEnc, secretContext.twitchStreamKey(row.id)),
        ),
      });
    for (const d of row.destinations)
      out.push({
        name: d.name,
        url: d.streamKeyEnc
          ? joinKey(d.url, this.box.open(d.streamKeyEnc, secretContext.destinationKey(row.id, d.id)))
          : d.url,
      });
    return out;
  }

  /** The chat token in clear, or null. */
  chatToken(row: BroadcastRow): string | null {
    return row.twitchChatTokenEnc
      ? this.box.open(row.twitchChatTokenEnc, secretContext.twitchChatToken(row.id))
      : null;
  }

  private sealOptional(value: string | null | undefined, context: string): string | null {
    return value == null ? null : this.box.seal(value, context);
  }
}

/** `rtmp://host/app` + key → `rtmp://host/app/key`. */
function joinKey(url: string, key: string): string {
  return `${url.replace(/\/+$/, '')}/${key}`;
}

/** The public view of a row: every setting, and for each secret only whether it is set. */
export function toBroadcast(row: BroadcastRow): Broadcast {
  return {
    id: row.id,
    ownerId: row.ownerId,
    title: row.title,
    characterIds: row.characterIds,
    twitch: {
      channel: row.twitchChannel,
      ingestUrl: row.twitchIngestUrl,
      streamKeySet: row.twitchStreamKeyEnc !== null,
      chatOAuthTokenSet: row.twitchChatTokenEnc !== null,
    },
    destinations: row.destinations.map((d) => ({
      id: d.id,
      name: d.name,
      url: d.url,
      streamKeySet: d.streamKeyEnc !== null,
    })),
    autonomous: AutonomousSettings.parse(row.autonomous),
    settings: GroupSettings.parse(row.settings),
    output: row.output,
    outputUsed: row.outputUsed,
    video: BroadcastVideo.parse(row.video),
    status: row.status,
    sessionId: row.sessionId,
    roomName: row.sessionId ? roomNameFor(row.sessionId) : null,
    egressId: row.egressId,
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
