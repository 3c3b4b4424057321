import express, { Router, type RequestHandler } from 'express';
import { ExportCharacterQuery, type ImportCharacterResponse } from '../../protocol/index.ts';
import { CardError, exportCard, importCard } from '../cards/index.ts';
import { InvalidCardError, NotFoundError, parseOrThrow, UnsupportedMediaTypeError } from '../errors.ts';
import { characterAccess } from '../services/access.ts';
import type { AvatarService } from '../services/avatars.ts';
import { exportableCharacter, storeImportedCard } from '../services/character-cards.ts';
import type { CharacterRepository } from '../services/characters.ts';
import { enforce, requireUser } from './auth.ts';
import { characterIdParam } from './params.ts';

/** The media types a card file may be sent as: JSON, a PNG card, or a .charx (ZIP) archive. */
export const CARD_MEDIA_TYPES = [
  'application/json',
  'image/png',
  'application/zip',
  'application/octet-stream',
];

export interface CharacterCardsOptions {
  characters: CharacterRepository;
  /** Largest card file accepted, in bytes (`CARD_UPLOAD_LIMIT`). */
  uploadLimitBytes: number;
  /** Where a card's image becomes the character's avatar, and export finds it. @defaultValue none: images ignored */
  avatars?: AvatarService;
  /** Largest card image kept as the avatar (`AVATAR_UPLOAD_LIMIT`). @defaultValue 2097152 */
  avatarLimitBytes?: number;
}

/**
 * `POST /api/characters/import` (signed in): the request body is the card file itself.
 * `GET /api/characters/:id/export?format=v2-json|v2-png|v3-json` (anyone who may read the character).
 * Mounted before the JSON body parser: the import route reads its body raw.
 */
export function characterCardsRouter({
  characters,
  uploadLimitBytes,
  avatars,
  avatarLimitBytes = 2 * 1024 ** 2,
}: CharacterCardsOptions): Router {
  const router = Router();

  router.post(
    '/characters/import',
    // Sign-in and the media type are checked before the body is read.
    (req, _res, next) => {
      requireUser(req, 'sign in to import a character');
      if (!req.is(CARD_MEDIA_TYPES))
        throw new UnsupportedMediaTypeError(`send the card file as ${CARD_MEDIA_TYPES.join(', ')}`);
      next();
    },
    express.raw({ type: () => true, limit: uploadLimitBytes }) as RequestHandler,
    async (req, res) => {
      const user = requireUser(req);
      const bytes = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : new Uint8Array(0);
      let imported;
      try {
        imported = importCard(
          { bytes, contentType: req.headers['content-type'] },
          { maxInputBytes: uploadLimitBytes },
        );
      } catch (err) {
        if (err instanceof CardError) throw new InvalidCardError(err.message, err.code);
        throw err;
      }
      const { character, warnings } = await storeImportedCard(
        { characters, avatars, avatarLimitBytes },
        user.id,
        imported,
      );
      req.log.info(
        { character: character.id, userId: user.id, spec: imported.spec, entries: imported.knowledge.length },
        'character imported',
      );
      const body: ImportCharacterResponse = { character, warnings };
      res.status(201).json(body);
    },
  );

  router.get('/characters/:id/export', async (req, res) => {
    const { format } = parseOrThrow(ExportCharacterQuery, req.query, 'query');
    const stored = await characters.getForExport(characterIdParam(req.params.id));
    if (!stored) throw new NotFoundError('character not found');
    enforce(characterAccess(req.user, stored.character, 'read'), 'character');
    let card;
    try {
      // A PNG card carries the uploaded avatar when it is a PNG; otherwise a blank image.
      const avatar = format === 'v2-png' ? await avatars?.get(stored.character.id) : undefined;
      card = exportCard(exportableCharacter(stored), {
        format,
        raw: stored.cardRaw,
        ...(avatar?.contentType === 'image/png' ? { avatarPng: new Uint8Array(avatar.data) } : {}),
      });
    } catch (err) {
      if (err instanceof CardError) throw new InvalidCardError(err.message, err.code);
      throw err;
    }
    res.attachment(card.filename);
    res.type(card.contentType);
    res.send(Buffer.from(card.bytes));
  });
  return router;
}
