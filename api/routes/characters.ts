import { Router } from 'express';
import type { CharacterList } from '../../protocol/index.ts';
import { NotFoundError } from '../errors.ts';
import type { CharacterRepository } from '../services/characters.ts';
import { characterIdParam } from './params.ts';

/** `GET /api/characters`, `GET /api/characters/:id`. */
export function charactersRouter(characters: CharacterRepository): Router {
  const router = Router();
  router.get('/characters', async (_req, res) => {
    const body: CharacterList = { characters: await characters.list() };
    res.json(body);
  });
  router.get('/characters/:id', async (req, res) => {
    const character = await characters.get(characterIdParam(req.params.id));
    if (!character) throw new NotFoundError('character not found');
    res.json(character);
  });
  return router;
}
