import { Router } from 'express';
import { CharacterListQuery, CloneCharacterRequest, type CharacterVisibility } from '../../protocol/index.ts';
import { NotFoundError, parseOrThrow } from '../errors.ts';
import { characterAccess, characterPublishAccess } from '../services/access.ts';
import type { CatalogService } from '../services/catalog.ts';
import type { CharacterRepository } from '../services/characters.ts';
import { enforce, requireUser } from './auth.ts';
import { characterIdParam } from './params.ts';
import { parseQuery } from './query.ts';

/** `/publish` and `/unpublish` take no body; an empty JSON object is tolerated. */
export const PublishRequest = CloneCharacterRequest.pick({}).optional();

/**
 * `GET /api/characters?q=&tag=&scope=&sort=&limit=&cursor=` (anyone, for what they may see),
 * `POST /api/characters/:id/publish|unpublish` (its owner or an operator),
 * `POST /api/characters/:id/clone` (anyone signed in, of anything they may see).
 */
export function catalogRouter(catalog: CatalogService, characters: CharacterRepository): Router {
  const router = Router();
  router.get('/characters', async (req, res) => {
    res.json(await catalog.list(req.user, parseQuery(CharacterListQuery, req.query)));
  });

  const publishing = (visibility: CharacterVisibility) =>
    router.post(`/characters/:id/${visibility === 'public' ? 'publish' : 'unpublish'}`, async (req, res) => {
      const user = requireUser(req);
      parseOrThrow(PublishRequest, req.body, 'request body');
      const character = await characters.get(characterIdParam(req.params.id));
      if (!character) throw new NotFoundError('character not found');
      enforce(characterPublishAccess(user, character), 'character');
      const updated = await catalog.setVisibility(character.id, visibility);
      if (!updated) throw new NotFoundError('character not found');
      req.log.info({ character: character.id, userId: user.id, visibility }, 'character visibility set');
      res.json(updated);
    });
  publishing('public');
  publishing('private');

  router.post('/characters/:id/clone', async (req, res) => {
    const user = requireUser(req, 'sign in to clone a character');
    const character = await characters.get(characterIdParam(req.params.id));
    if (!character) throw new NotFoundError('character not found');
    enforce(characterAccess(user, character, 'read'), 'character');
    const body = parseOrThrow(CloneCharacterRequest.optional(), req.body, 'request body');
    const created = await catalog.clone(character.id, user.id, body?.name);
    if (!created) throw new NotFoundError('character not found');
    req.log.info({ character: created.id, from: character.id, userId: user.id }, 'character cloned');
    res.status(201).json(created);
  });
  return router;
}
