import { Router } from 'express';
import { z } from 'zod';
import { CreateSessionRequest } from '../../protocol/index.ts';
import { NotFoundError, parseOrThrow } from '../errors.ts';
import type { SessionService } from '../services/sessions.ts';
import { sessionIdParam } from './params.ts';

/** `/end` takes no body; an empty JSON object is tolerated. */
const EndSessionRequest = z.strictObject({}).optional();

/** `POST /api/sessions`, `GET /api/sessions/:id`, `POST /api/sessions/:id/end`. */
export function sessionsRouter(sessions: SessionService): Router {
  const router = Router();
  router.post('/sessions', async (req, res) => {
    const body = parseOrThrow(CreateSessionRequest, req.body, 'request body');
    res.status(201).json(await sessions.create(body, req.log));
  });
  router.get('/sessions/:id', async (req, res) => {
    const detail = await sessions.get(sessionIdParam(req.params.id));
    if (!detail) throw new NotFoundError('session not found');
    res.json(detail);
  });
  router.post('/sessions/:id/end', async (req, res) => {
    const id = sessionIdParam(req.params.id);
    parseOrThrow(EndSessionRequest, req.body, 'request body');
    const detail = await sessions.end(id, req.log);
    if (!detail) throw new NotFoundError('session not found');
    res.json(detail);
  });
  return router;
}
