import { Router } from 'express';
import { z } from 'zod';
import {
  BroadcastStatusReport,
  CreateBroadcastRequest,
  UpdateBroadcastRequest,
  type BroadcastList,
} from '../../protocol/index.ts';
import { parseOrThrow } from '../errors.ts';
import type { BroadcastService } from '../services/broadcasts/service.ts';
import { requireUser } from './auth.ts';
import { uuidParam } from './params.ts';

/** `/start`, `/stop` take no body; an empty JSON object is tolerated. */
export const EmptyBroadcastRequest = z.strictObject({}).optional();

const broadcastIdParam = (value: string | string[] | undefined) => uuidParam(value, 'broadcast not found');

/**
 * `POST|GET /api/broadcasts`, `GET|PATCH|DELETE /api/broadcasts/:id`, `POST /api/broadcasts/:id/start`,
 * `POST /api/broadcasts/:id/stop`, `GET /api/broadcasts/:id/stage-token`. Secrets go in, never out.
 */
export function broadcastsRouter(broadcasts: BroadcastService): Router {
  const router = Router();
  router.post('/broadcasts', async (req, res) => {
    const user = requireUser(req, 'sign in to create a broadcast');
    const body = parseOrThrow(CreateBroadcastRequest, req.body, 'request body');
    res.status(201).json(await broadcasts.create(body, user, req.log));
  });
  router.get('/broadcasts', async (req, res) => {
    const body: BroadcastList = { broadcasts: await broadcasts.list(requireUser(req)) };
    res.json(body);
  });
  router.get('/broadcasts/:id', async (req, res) => {
    res.json(await broadcasts.get(broadcastIdParam(req.params.id), requireUser(req)));
  });
  router.patch('/broadcasts/:id', async (req, res) => {
    const user = requireUser(req);
    const id = broadcastIdParam(req.params.id);
    await broadcasts.authorize(id, user, 'write');
    const body = parseOrThrow(UpdateBroadcastRequest, req.body, 'request body');
    res.json(await broadcasts.update(id, body, user, req.log));
  });
  router.delete('/broadcasts/:id', async (req, res) => {
    await broadcasts.remove(broadcastIdParam(req.params.id), requireUser(req), req.log);
    res.status(204).end();
  });
  router.post('/broadcasts/:id/start', async (req, res) => {
    const user = requireUser(req);
    const id = broadcastIdParam(req.params.id);
    parseOrThrow(EmptyBroadcastRequest, req.body, 'request body');
    res.json(await broadcasts.start(id, user, req.log));
  });
  router.post('/broadcasts/:id/stop', async (req, res) => {
    const user = requireUser(req);
    const id = broadcastIdParam(req.params.id);
    parseOrThrow(EmptyBroadcastRequest, req.body, 'request body');
    res.json(await broadcasts.stop(id, user, req.log));
  });
  router.get('/broadcasts/:id/stage-token', async (req, res) => {
    res.json(await broadcasts.stageAccess(broadcastIdParam(req.params.id), requireUser(req)));
  });
  return router;
}

/**
 * The agent's side, mounted under `/api/internal` behind requireAgentToken:
 * `GET /broadcasts/:id/output` (RTMP targets and chat credentials in clear: the answer is never
 * logged) and `POST /broadcasts/:id/status` (the built-in output went live, failed or ended).
 */
export function broadcastsInternalRouter(broadcasts: BroadcastService): Router {
  const router = Router();
  router.get('/broadcasts/:id/output', async (req, res) => {
    const id = broadcastIdParam(req.params.id);
    // Secrets in this body: no intermediary may keep it.
    res.set('cache-control', 'no-store');
    res.json(await broadcasts.outputTargets(id));
  });
  router.post('/broadcasts/:id/status', async (req, res) => {
    const id = broadcastIdParam(req.params.id);
    const report = parseOrThrow(BroadcastStatusReport, req.body, 'status report');
    await broadcasts.reportStatus(id, report, req.log);
    res.status(204).end();
  });
  return router;
}
