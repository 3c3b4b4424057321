// Uploaded avatar images, one per character, stored in character_avatars. While one exists the
// character's avatarUrl points at it (with a version, so browsers refetch after a change); the
// avatarUrl it had before is not kept, so removing the upload falls back to the generic avatar.
// What is stored is never the upload itself: its type and size are checked from the header, then
// it is decoded and encoded again without metadata (image-reencode), so a public character never
// publishes its maker's EXIF GPS position or whatever else a photo or a card image carried.
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { characterAvatars, characters } from '../../db/schema.ts';
import type { AvatarContentType, AvatarUploadResponse } from '../../protocol/index.ts';
import { probeImage, type ImageInfo } from './image-probe.ts';
import { ImageDecodeError, reencodeImage } from './image-reencode.ts';

/** The avatar a character falls back to when its own is gone (the one imported characters get). */
export const DEFAULT_AVATAR_URL = '/avatars/imported.svg';

export interface AvatarOptions {
  /** Largest side, in pixels, either way; larger images are refused. @defaultValue 4096 */
  maxDimension: number;
}

export const defaultAvatarOptions: AvatarOptions = { maxDimension: 4096 };

/** An upload refused for what it is; the message names the problem. */
export class AvatarRejectedError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'AvatarRejectedError';
  }
}

export interface StoredAvatar {
  contentType: AvatarContentType;
  data: Buffer;
  /** Changes with every upload; part of the avatarUrl and the ETag. */
  version: string;
  /** A strong ETag of the bytes. */
  etag: string;
}

/** `/api/characters/<id>/avatar`, the path every uploaded avatar is served at. */
export const avatarPath = (characterId: string): string => `/api/characters/${characterId}/avatar`;

const versionOf = (updatedAt: Date) => updatedAt.getTime().toString(36);

export class AvatarService {
  readonly #opts: AvatarOptions;

  constructor(
    private readonly db: Db,
    opts: Partial<AvatarOptions> = {},
  ) {
    this.#opts = { ...defaultAvatarOptions, ...opts };
  }

  /**
   * Checks that `bytes` are an image of the `claimed` type with sane dimensions. Throws
   * AvatarRejectedError naming the problem.
   */
  inspect(bytes: Uint8Array, claimed: AvatarContentType): ImageInfo {
    let info: ImageInfo;
    try {
      info = probeImage(bytes);
    } catch (err) {
      throw new AvatarRejectedError('not_an_image', err instanceof Error ? err.message : String(err));
    }
    if (info.contentType !== claimed)
      throw new AvatarRejectedError(
        'type_mismatch',
        `the body was sent as ${claimed} but its bytes are ${info.contentType}`,
      );
    const max = this.#opts.maxDimension;
    if (info.width > max || info.height > max)
      throw new AvatarRejectedError(
        'too_many_pixels',
        `the image is ${info.width}×${info.height}; at most ${max}×${max} is accepted`,
      );
    return info;
  }

  /**
   * Stores the image as the character's avatar (replacing any) and points its avatarUrl at it: the
   * upright, metadata-free re-encoding, in the upload's own format. Throws AvatarRejectedError when
   * the header is wrong or the pixels do not decode.
   */
  async put(
    characterId: string,
    bytes: Uint8Array,
    claimed: AvatarContentType,
  ): Promise<AvatarUploadResponse> {
    const checked = this.inspect(bytes, claimed);
    const max = this.#opts.maxDimension;
    let info: ImageInfo;
    let data: Buffer;
    try {
      ({ data, ...info } = await reencodeImage(bytes, checked.contentType, { maxPixels: max * max }));
    } catch (err) {
      if (!(err instanceof ImageDecodeError)) throw err;
      throw new AvatarRejectedError('not_an_image', err.message);
    }
    const updatedAt = new Date();
    const avatarUrl = `${avatarPath(characterId)}?v=${versionOf(updatedAt)}`;
    await this.db.transaction(async (tx) => {
      await tx
        .insert(characterAvatars)
        .values({ characterId, contentType: info.contentType, data, updatedAt })
        .onConflictDoUpdate({
          target: characterAvatars.characterId,
          set: { contentType: info.contentType, data, updatedAt },
        });
      await tx
        .update(characters)
        .set({ avatarUrl, updatedAt: sql`now()` })
        .where(eq(characters.id, characterId));
    });
    return {
      avatarUrl,
      contentType: info.contentType,
      width: info.width,
      height: info.height,
      bytes: data.length,
    };
  }

  async get(characterId: string): Promise<StoredAvatar | undefined> {
    const [row] = await this.db
      .select()
      .from(characterAvatars)
      .where(eq(characterAvatars.characterId, characterId))
      .limit(1);
    if (!row) return undefined;
    const digest = createHash('sha256').update(row.data).digest('base64url').slice(0, 27);
    return {
      contentType: row.contentType,
      data: row.data,
      version: versionOf(row.updatedAt),
      etag: `"${digest}"`,
    };
  }

  /** Removes the upload; an avatarUrl that pointed at it falls back to the generic avatar. */
  async delete(characterId: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const gone = await tx
        .delete(characterAvatars)
        .where(eq(characterAvatars.characterId, characterId))
        .returning({ id: characterAvatars.characterId });
      await tx
        .update(characters)
        .set({ avatarUrl: DEFAULT_AVATAR_URL, updatedAt: sql`now()` })
        .where(
          sql`${characters.id} = ${characterId} and ${characters.avatarUrl} like ${`${avatarPath(characterId)}%`}`,
        );
      return gone.length > 0;
    });
  }

  /**
   * Where to send a browser when no avatar was uploaded: the character's avatarUrl when it is a
   * path on this server outside /api (an API path could loop back here; another host would make
   * this an open redirect) and `exists` says it is served, the generic avatar otherwise.
   */
  static fallbackUrl(
    character: { avatarUrl: string },
    exists: (path: string) => boolean = () => true,
  ): string {
    const url = character.avatarUrl;
    const local = url.startsWith('/') && !url.startsWith('//') && !url.includes('\\') && !url.includes('..');
    return local && !url.startsWith('/api/') && exists(url.split(/[?#]/)[0]!) ? url : DEFAULT_AVATAR_URL;
  }
}
