import { Router } from 'express';
import { CreateCharacterRequest, UpdateCharacterRequest, type Character } from '../../protocol/index.ts';
import { ConflictError, NotFoundError, parseOrThrow } from '../errors.ts';
import { characterAccess, type CharacterAction } from '../services/access.ts';
import type { CharacterRepository } from '../services/characters.ts';
import { enforce, requireUser } from './auth.ts';
import { characterIdParam } from './params.ts';

/**
 * `GET /api/characters/:id` (anyone, for what they may see; the list is api/routes/catalog.ts);
 * `POST /api/characters`, `PATCH /api/characters/:id`, `DELETE /api/characters/:id` (owners).
 */
export function charactersRouter(characters: CharacterRepository): Router {
  const router = Router();
  const load = async (
    id: unknown,
    principal: Parameters<typeof characterAccess>[0],
    action: CharacterAction,
  ) => {
    const character = await characters.get(characterIdParam(id as string));
    if (!character) throw new NotFoundError('character not found');
    enforce(characterAccess(principal, character, action), 'character');
    return character;
  };

  router.get('/characters/:id', async (req, res) => {
    res.json(await load(req.params.id, req.user, 'read'));
  });
  router.post('/characters', async (req, res) => {
    const user = requireUser(req, 'sign in to create a character');
    const body = parseOrThrow(CreateCharacterRequest, req.body, 'request body');
    const created: Character = await characters.create(user.id, body);
    req.log.info({ character: created.id, userId: user.id }, 'character created');
    res.status(201).json(created);
  });
  router.patch('/characters/:id', async (req, res) => {
    const user = requireUser(req);
    const { id } = await load(req.params.id, user, 'write');
    const patch = parseOrThrow(UpdateCharacterRequest, req.body, 'request body');
    const updated = await characters.update(id, patch);
    if (!updated) throw new NotFoundError('character not found');
    res.json(updated);
  });
  router.delete('/characters/:id', async (req, res) => {
    const user = requireUser(req);
    const { id } = await load(req.params.id, user, 'write');
    const outcome = await characters.delete(id);
    if (outcome === 'in_use')
      throw new ConflictError('the character has sessions; make it private instead of deleting it');
    if (outcome === 'not_found') throw new NotFoundError('character not found');
    req.log.info({ character: id, userId: user.id }, 'character deleted');
    res.status(204).end();
  });
  return router;
}
