import { Router, type Request } from 'express';
import { z } from 'zod';
import { AnalyticsQuery, EngagementQuery } from '../../protocol/index.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { characterAccess } from '../services/access.ts';
import { analyticsRange, type AnalyticsScope, type AnalyticsService } from '../services/analytics.ts';
import { engagementCsv } from '../services/analytics/csv.ts';
import type { EngagementService } from '../services/analytics/engagement.ts';
import type { CharacterRepository } from '../services/characters.ts';
import type { SessionService } from '../services/sessions.ts';
import { sessionFor } from './sessions.ts';
import { enforce, requireUser } from './auth.ts';
import { characterIdParam, uuidParam } from './params.ts';
import { parseQuery } from './query.ts';

export interface AnalyticsRouterDeps {
  analytics: AnalyticsService;
  engagement: EngagementService;
  characters: CharacterRepository;
  sessions: SessionService;
}

/**
 * `GET /api/analytics/me` (the caller's sessions), `GET /api/analytics/characters/:id` (all its
 * sessions for its owner and operators; the caller's own sessions with it for a built-in or public
 * character), `GET /api/analytics/owners/:ownerId` (operators). All take `?from=&to=`.
 * `GET /api/analytics/characters/:id/engagement` (same scope; `?topics=&sessions=&format=csv`) and
 * `GET /api/analytics/sessions/:id/engagement` (whoever may read the session).
 */
export function analyticsRouter({
  analytics,
  engagement,
  characters,
  sessions,
}: AnalyticsRouterDeps): Router {
  const router = Router();

  /** The character in the path and whose sessions with it the caller may see; 404 otherwise. */
  async function characterScope(req: Request): Promise<AnalyticsScope & { characterId: string }> {
    const user = requireUser(req);
    const character = await characters.get(characterIdParam(req.params.id));
    if (!character) throw new NotFoundError('character not found');
    enforce(characterAccess(user, character, 'read'), 'character');
    const everyone = user.role === 'operator' || (character.ownerId != null && character.ownerId === user.id);
    return { characterId: character.id, ...(everyone ? {} : { ownerId: user.id }) };
  }

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
    const scope = await characterScope(req);
    const range = analyticsRange(parseQuery(AnalyticsQuery, req.query));
    res.json(await analytics.compute(scope, range));
  });
  router.get('/analytics/characters/:id/engagement', async (req, res) => {
    const scope = await characterScope(req);
    const query = parseQuery(EngagementQuery, req.query);
    const range = analyticsRange(query);
    const answer = await engagement.character(scope, range, engagement.limitsOf(query));
    if (query.format !== 'csv') {
      res.json(answer.engagement);
      return;
    }
    const day = (d: Date) => d.toISOString().slice(0, 10);
    res.attachment(`troupe-engagement-${scope.characterId}-${day(range.from)}-${day(range.to)}.csv`);
    res.type('text/csv; charset=utf-8').send(engagementCsv(answer.rows));
  });
  router.get('/analytics/sessions/:id/engagement', async (req, res) => {
    const { id } = await sessionFor(sessions, req, 'read');
    parseQuery(z.strictObject({}), req.query);
    const detail = await engagement.session(id);
    if (!detail) throw new NotFoundError('session not found');
    res.json(detail);
  });
  return router;
}
