import express, { Router, type Request, type RequestHandler } from 'express';
import { AvatarContentType, AvatarQuery } from '../../protocol/index.ts';
import { HttpError, NotFoundError, parseOrThrow, UnsupportedMediaTypeError } from '../errors.ts';
import { characterAccess, canSeeCharacter, type CharacterAction } from '../services/access.ts';
import { AvatarRejectedError, AvatarService } from '../services/avatars.ts';
import type { CharacterRepository } from '../services/characters.ts';
import { enforce, requireUser } from './auth.ts';
import { characterIdParam } from './params.ts';

export interface AvatarsRouterOptions {
  characters: CharacterRepository;
  avatars: AvatarService;
  /** Largest image accepted, in bytes (`AVATAR_UPLOAD_LIMIT`). */
  uploadLimitBytes: number;
  /**
   * Whether a path (e.g. `/avatars/ada.svg`) is served by the web client, so that a dangling
   * avatarUrl falls back to the generic avatar rather than a broken image. @defaultValue always true
   */
  isServed?: (path: string) => boolean;
}

/** A year: a versioned avatar URL never changes what it names. */
const IMMUTABLE_MAX_AGE_S = 365 * 24 * 3600;

/** Loads the character named in the path and applies the access rule for `action`. */
export async function loadCharacterFor(
  characters: CharacterRepository,
  req: Request,
  action: CharacterAction,
) {
  const character = await characters.get(characterIdParam(req.params.id));
  if (!character) throw new NotFoundError('character not found');
  enforce(characterAccess(req.user, character, action), 'character');
  return character;
}

/**
 * `PUT /api/characters/:id/avatar` (owner; the raw image is the body), `GET` (anyone who may see
 * the character; a redirect to its avatarUrl when nothing was uploaded), `DELETE` (owner).
 * Mounted before the JSON body parser: the upload is read raw with its own size limit.
 */
export function avatarsRouter({
  characters,
  avatars,
  uploadLimitBytes,
  isServed,
}: AvatarsRouterOptions): Router {
  const router = Router();

  router.put(
    '/characters/:id/avatar',
    // Who may, and what the body claims to be, are settled before a byte of it is read.
    async (req, _res, next) => {
      requireUser(req, 'sign in to change an avatar');
      await loadCharacterFor(characters, req, 'write');
      if (!claimedType(req))
        throw new UnsupportedMediaTypeError(`send the image as ${AvatarContentType.options.join(', ')}`);
      next();
    },
    express.raw({ type: () => true, limit: uploadLimitBytes }) as RequestHandler,
    async (req, res) => {
      const user = requireUser(req);
      const id = characterIdParam(req.params.id);
      const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array(0);
      if (bytes.length === 0)
        throw new HttpError(400, 'bad_request', 'the request body is empty: send the image');
      let stored;
      try {
        stored = await avatars.put(id, bytes, claimedType(req)!);
      } catch (err) {
        if (err instanceof AvatarRejectedError)
          throw new HttpError(400, 'bad_request', err.message, { reason: err.reason });
        throw err;
      }
      req.log.info({ character: id, userId: user.id, bytes: stored.bytes }, 'avatar uploaded');
      res.json(stored);
    },
  );

  router.get('/characters/:id/avatar', async (req, res) => {
    const { v } = parseOrThrow(AvatarQuery, req.query, 'query');
    const character = await loadCharacterFor(characters, req, 'read');
    const stored = await avatars.get(character.id);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (!stored) {
      res.setHeader('Cache-Control', 'no-cache');
      return res.redirect(302, AvatarService.fallbackUrl(character, isServed));
    }
    // Private characters' images stay out of shared caches; a URL with the current version never changes.
    const scope = canSeeCharacter(undefined, character) ? 'public' : 'private';
    res.setHeader(
      'Cache-Control',
      v === stored.version ? `${scope}, max-age=${IMMUTABLE_MAX_AGE_S}, immutable` : `${scope}, no-cache`,
    );
    res.setHeader('ETag', stored.etag);
    // An image is never a document: no scripts even if a browser were talked into rendering it as one.
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Content-Disposition', 'inline');
    if (req.fresh) return res.status(304).end();
    res.type(stored.contentType).send(stored.data);
  });

  router.delete('/characters/:id/avatar', async (req, res) => {
    const user = requireUser(req);
    const character = await loadCharacterFor(characters, req, 'write');
    if (!(await avatars.delete(character.id)))
      throw new NotFoundError('the character has no uploaded avatar');
    req.log.info({ character: character.id, userId: user.id }, 'avatar removed');
    res.status(204).end();
  });
  return router;
}

/** The avatar type the request's Content-Type names, parameters ignored; undefined for any other. */
function claimedType(req: Request): AvatarContentType | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const parsed = AvatarContentType.safeParse(type);
  return parsed.success ? parsed.data : undefined;
}
