import { Router, type Request } from 'express';
import { z } from 'zod';
import { CreateSessionRequest, SessionListQuery, type SessionList } from '../../protocol/index.ts';
import { ConflictError, NotFoundError, parseOrThrow } from '../errors.ts';
import { sessionAccess, type SessionAction } from '../services/access.ts';
import type { AgentSupervisor } from '../services/agent-supervisor.ts';
import type { InviteService } from '../services/invites.ts';
import type { SessionSearch } from '../services/session-list.ts';
import type { SessionFacts, SessionService } from '../services/sessions.ts';
import { transcriptText } from '../services/transcript-export.ts';
import { enforce, requireUser } from './auth.ts';
import { sessionIdParam } from './params.ts';
import { parseQuery } from './query.ts';

/** `/end` takes no body; an empty JSON object is tolerated. */
export const EndSessionRequest = z.strictObject({}).optional();
const ExportQuery = z.object({ format: z.enum(['json', 'text']).default('json') });

/** Nor does `/token`. */
const TokenRequest = EndSessionRequest;

/** The session named in the path, if the caller may do `action` with it; 401/403/404 otherwise. */
export async function sessionFor(
  sessions: SessionService,
  req: Request,
  action: SessionAction,
): Promise<SessionFacts> {
  const user = requireUser(req);
  const id = sessionIdParam(req.params.id);
  const facts = await sessions.facts(id);
  if (!facts) throw new NotFoundError('session not found');
  enforce(sessionAccess(user, facts, action), 'session');
  return facts;
}

/**
 * `POST /api/sessions`, `GET /api/sessions?characterId=&status=&mode=&from=&to=&q=&ownerId=&limit=&cursor=`
 * (the caller's own; operators may name an owner), `GET /api/sessions/:id`,
 * `POST /api/sessions/:id/end`, `POST /api/sessions/:id/token` (a fresh room token for the owner),
 * `GET /api/sessions/:id/export?format=json|text`, `DELETE /api/sessions/:id` (with all it stored),
 * `POST /api/sessions/:id/retry` (dispatch the agent again after the session failed for want of one).
 */
export function sessionsRouter(
  sessions: SessionService,
  invites: InviteService,
  search: SessionSearch,
  agents: Pick<AgentSupervisor, 'retry'>,
): Router {
  const router = Router();
  router.post('/sessions', async (req, res) => {
    const user = requireUser(req, 'sign in to start a call');
    const body = parseOrThrow(CreateSessionRequest, req.body, 'request body');
    res.status(201).json(await sessions.create(body, user, req.log));
  });
  router.get('/sessions', async (req, res) => {
    const user = requireUser(req);
    const body: SessionList = await search.list(user, parseQuery(SessionListQuery, req.query));
    res.json(body);
  });
  router.get('/sessions/:id', async (req, res) => {
    const { id } = await sessionFor(sessions, req, 'read');
    const detail = await sessions.get(id);
    if (!detail) throw new NotFoundError('session not found');
    res.json(detail);
  });
  router.get('/sessions/:id/export', async (req, res) => {
    const { id } = await sessionFor(sessions, req, 'read');
    const { format } = parseOrThrow(ExportQuery, req.query, 'query');
    const detail = await sessions.get(id);
    if (!detail) throw new NotFoundError('session not found');
    res.attachment(`troupe-session-${id}.${format === 'json' ? 'json' : 'txt'}`);
    if (format === 'json') res.json(detail);
    else res.type('text/plain; charset=utf-8').send(transcriptText(detail));
  });
  router.delete('/sessions/:id', async (req, res) => {
    const { id } = await sessionFor(sessions, req, 'delete');
    if (!(await sessions.remove(id, req.log))) throw new NotFoundError('session not found');
    res.status(204).end();
  });
  router.post('/sessions/:id/end', async (req, res) => {
    const { id } = await sessionFor(sessions, req, 'end');
    parseOrThrow(EndSessionRequest, req.body, 'request body');
    const detail = await sessions.end(id, req.log);
    if (!detail) throw new NotFoundError('session not found');
    res.json(detail);
  });
  // Waits for the agent again from scratch: the Retry button of a session that failed for want of one.
  router.post('/sessions/:id/retry', async (req, res) => {
    const { id } = await sessionFor(sessions, req, 'end');
    parseOrThrow(EndSessionRequest, req.body, 'request body');
    await agents.retry(id, req.log);
    const detail = await sessions.get(id);
    if (!detail) throw new NotFoundError('session not found');
    res.json(detail);
  });
  router.post('/sessions/:id/token', async (req, res) => {
    const session = await sessionFor(sessions, req, 'join');
    parseOrThrow(TokenRequest, req.body, 'request body');
    if (session.status === 'ended') throw new ConflictError('the session has ended');
    res.json(await invites.ownerAccess(session));
  });
  return router;
}
