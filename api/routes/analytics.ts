import { Router } from 'express';
import { AnalyticsQuery } from '../../protocol/index.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { characterAccess } from '../services/access.ts';
import { analyticsRange, type AnalyticsScope, type AnalyticsService } from '../services/analytics.ts';
import type { CharacterRepository } from '../services/characters.ts';
import { enforce, requireUser } from './auth.ts';
import { characterIdParam, uuidParam } from './params.ts';
import { parseQuery } from './query.ts';

/**
 * `GET /api/analytics/me` (the caller's sessions), `GET /api/analytics/characters/:id` (all its
 * sessions for its owner and operators; the caller's own sessions with it for a built-in or public
 * character), `GET /api/analytics/owners/:ownerId` (operators). All take `?from=&to=`.
 */
export function analyticsRouter(analytics: AnalyticsService, characters: CharacterRepository): Router {
  const router = Router();
  router.get('/analytics/me', async (req, res) => {
    const user = requireUser(req);
    const range = analyticsRange(parseQuery(AnalyticsQuery, req.query));
    res.json(await analytics.compute({ ownerId: user.id }, range));
  });
  router.get('/analytics/owners/:ownerId', async (req, res) => {
    const user = requireUser(req);
    if (user.role !== 'operator')
      throw new ForbiddenError("only operators may see another account's analytics");
    const ownerId = uuidParam(req.params.ownerId, 'account not found');
    const range = analyticsRange(parseQuery(AnalyticsQuery, req.query));
    res.json(await analytics.compute({ ownerId }, range));
  });
  router.get('/analytics/characters/:id', async (req, res) => {
    const user = requireUser(req);
    const character = await characters.get(characterIdParam(req.params.id));
    if (!character) throw new NotFoundError('character not found');
    enforce(characterAccess(user, character, 'read'), 'character');
    const range = analyticsRange(parseQuery(AnalyticsQuery, req.query));
    const everyone = user.role === 'operator' || (character.ownerId != null && character.ownerId === user.id);
    const scope: AnalyticsScope = { characterId: character.id, ...(everyone ? {} : { ownerId: user.id }) };
    res.json(await analytics.compute(scope, range));
  });
  return router;
}
