import { type Request, Router } from 'express';
import { z } from 'zod';
import {
  ShowCommandReport,
  ShowControlRequest,
  ShowControlWaitMs,
  ShowControlWebhookRequest,
} from '../../protocol/index.ts';
import { parseOrThrow } from '../errors.ts';
import type { ShowControlService } from '../services/show-control.ts';
import type { ControlScope } from '../services/show-control-store.ts';
import { requireUser } from './auth.ts';
import { uuidParam } from './params.ts';
import { parseQuery } from './query.ts';

/** `?waitMs=` of `POST /api/broadcasts/:id/control` (the body's `waitMs` wins when both are given). */
export const ShowControlQuery = z.strictObject({ waitMs: ShowControlWaitMs.optional() });

const broadcastIdParam = (value: string | string[] | undefined) => uuidParam(value, 'broadcast not found');
const commandIdParam = (value: string | string[] | undefined) => uuidParam(value, 'command not found');
const sessionIdParam = (value: string | string[] | undefined) => uuidParam(value, 'session not found');

/**
 * `POST /api/broadcasts/:id/control` (one action; 200 with its outcome, or 202 `pending` after the
 * wait), `GET /api/broadcasts/:id/control/:commandId`, and `PUT|GET|DELETE
 * /api/broadcasts/:id/control-webhook`; for a running group session, `POST /api/sessions/:id/control`
 * (say, prompt, topic) and `GET /api/sessions/:id/control/:commandId` (no webhook).
 */
/** The action of a control request and how long to wait for it (body `waitMs`, else the query's). */
function commandOf(req: Request) {
  const query = parseQuery(ShowControlQuery, req.query);
  const { waitMs = query.waitMs, ...action } = parseOrThrow(ShowControlRequest, req.body, 'request body');
  return { action, waitMs };
}

export function showControlRouter(control: ShowControlService): Router {
  const router = Router();
  router.post('/broadcasts/:id/control', async (req, res) => {
    const user = requireUser(req);
    const id = broadcastIdParam(req.params.id);
    const { action, waitMs } = commandOf(req);
    const command = await control.send(id, user, action, waitMs, req.log);
    res.status(command.outcome === 'pending' ? 202 : 200).json(command);
  });
  router.get('/broadcasts/:id/control/:commandId', async (req, res) => {
    const user = requireUser(req);
    const id = broadcastIdParam(req.params.id);
    res.json(await control.get(id, commandIdParam(req.params.commandId), user, req.log));
  });
  router.post('/sessions/:id/control', async (req, res) => {
    const user = requireUser(req);
    const id = sessionIdParam(req.params.id);
    const { action, waitMs } = commandOf(req);
    const command = await control.sendToSession(id, user, action, waitMs, req.log);
    res.status(command.outcome === 'pending' ? 202 : 200).json(command);
  });
  router.get('/sessions/:id/control/:commandId', async (req, res) => {
    const user = requireUser(req);
    const id = sessionIdParam(req.params.id);
    res.json(await control.getOfSession(id, commandIdParam(req.params.commandId), user, req.log));
  });
  router.put('/broadcasts/:id/control-webhook', async (req, res) => {
    const user = requireUser(req);
    const id = broadcastIdParam(req.params.id);
    const { url } = parseOrThrow(ShowControlWebhookRequest, req.body, 'request body');
    // The secret is in this body: no intermediary may keep it.
    res.set('cache-control', 'no-store');
    res.json(await control.setWebhook(id, user, url));
  });
  router.get('/broadcasts/:id/control-webhook', async (req, res) => {
    res.json(await control.getWebhook(broadcastIdParam(req.params.id), requireUser(req)));
  });
  router.delete('/broadcasts/:id/control-webhook', async (req, res) => {
    await control.removeWebhook(broadcastIdParam(req.params.id), requireUser(req));
    res.status(204).end();
  });
  return router;
}

/**
 * The job's side, under `/api/internal` behind requireAgentToken: that it has a command (it is
 * then not sent again), and what became of it.
 */
export function showControlInternalRouter(control: ShowControlService): Router {
  const router = Router();
  for (const kind of ['broadcast', 'session'] as const) {
    const scopeOf = (value: string | string[] | undefined): ControlScope => ({
      kind,
      id: kind === 'broadcast' ? broadcastIdParam(value) : sessionIdParam(value),
    });
    router.post(`/${kind}s/:id/control/:commandId`, async (req, res) => {
      const scope = scopeOf(req.params.id);
      const commandId = commandIdParam(req.params.commandId);
      const report = parseOrThrow(ShowCommandReport, req.body, 'command report');
      res.json(await control.report(scope, commandId, report, req.log));
    });
    router.post(`/${kind}s/:id/control/:commandId/received`, async (req, res) => {
      const scope = scopeOf(req.params.id);
      parseOrThrow(z.strictObject({}).optional(), req.body, 'receipt');
      await control.received(scope, commandIdParam(req.params.commandId));
      res.status(204).end();
    });
  }
  return router;
}
