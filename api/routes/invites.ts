import { Router } from 'express';
import {
  CreateInviteRequest,
  DEFAULT_INVITE_TTL_S,
  JoinInviteRequest,
  type InviteList,
} from '../../protocol/index.ts';
import { ConflictError, NotFoundError, parseOrThrow } from '../errors.ts';
import type { InviteService } from '../services/invites.ts';
import type { SessionService } from '../services/sessions.ts';
import { requireUser } from './auth.ts';
import { uuidParam } from './params.ts';
import { sessionFor } from './sessions.ts';

/** The request URL as logs may keep it: an invite code in the path is a credential. */
export function redactInviteCode(url: string): string {
  return url.replace(/^(\/api\/invites\/)[^/?#]+/, '$1[redacted]');
}

/**
 * `POST|GET /api/sessions/:id/invites`, `DELETE /api/sessions/:id/invites/:inviteId` (the session's
 * owner), and `POST /api/invites/:code/join` (anyone holding a valid code). An unknown, expired or
 * revoked code, or one whose session has ended, is the same 404.
 */
export function invitesRouter(sessions: SessionService, invites: InviteService): Router {
  const router = Router();
  router.post('/sessions/:id/invites', async (req, res) => {
    const session = await sessionFor(sessions, req, 'join');
    const body = parseOrThrow(CreateInviteRequest, req.body ?? {}, 'request body');
    if (session.status === 'ended') throw new ConflictError('the session has ended');
    // The web client that made the request is where the guest should land.
    const origin = req.get('origin') ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const created = await invites.create(
      session,
      requireUser(req).id,
      body.expiresInS ?? DEFAULT_INVITE_TTL_S,
      origin,
    );
    req.log.info(
      { sessionId: session.id, inviteId: created.id, expiresAt: created.expiresAt },
      'invite created',
    );
    res.status(201).json(created);
  });
  router.get('/sessions/:id/invites', async (req, res) => {
    const session = await sessionFor(sessions, req, 'join');
    const body: InviteList = { invites: await invites.list(session.id) };
    res.json(body);
  });
  router.delete('/sessions/:id/invites/:inviteId', async (req, res) => {
    const session = await sessionFor(sessions, req, 'join');
    const inviteId = uuidParam(req.params.inviteId, 'invite not found');
    if (!(await invites.revoke(session.id, inviteId))) throw new NotFoundError('invite not found');
    req.log.info({ sessionId: session.id, inviteId }, 'invite revoked');
    res.status(204).end();
  });
  router.post('/invites/:code/join', async (req, res) => {
    const body = parseOrThrow(JoinInviteRequest, req.body ?? {}, 'request body');
    const access = await invites.join(String(req.params.code), body.displayName, req.log);
    if (!access) throw new NotFoundError('invite not found, expired or revoked');
    res.json(access);
  });
  return router;
}
