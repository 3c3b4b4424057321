import { Router, type RequestHandler } from 'express';
import { GenerateCharacterRequest } from '../../protocol/index.ts';
import { parseOrThrow } from '../errors.ts';
import type { CharacterGenerator } from '../services/character-generator.ts';
import { requireUser } from './auth.ts';

export interface CharacterGenerateRouterOptions {
  generator: CharacterGenerator;
  /** The stricter per-client limit of this costly route (it may call the LLM). */
  rateLimit: RequestHandler;
}

/** `POST /api/characters/generate` (signed in): a draft for the builder, not saved. */
export function characterGenerateRouter({ generator, rateLimit }: CharacterGenerateRouterOptions): Router {
  const router = Router();
  router.post(
    '/characters/generate',
    (req, _res, next) => {
      requireUser(req, 'sign in to generate a character');
      next();
    },
    rateLimit,
    async (req, res) => {
      const user = requireUser(req);
      const { description } = parseOrThrow(GenerateCharacterRequest, req.body, 'request body');
      const result = await generator.generate(description);
      req.log.info(
        { userId: user.id, source: result.source, notes: result.notes.length },
        'character drafted',
      );
      res.json(result);
    },
  );
  return router;
}
