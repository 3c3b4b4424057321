import { Router } from 'express';
import { CreateApiKeyRequest, type ApiKeyList } from '../../protocol/index.ts';
import { NotFoundError, parseOrThrow } from '../errors.ts';
import type { ApiKeyService } from '../services/api-keys.ts';
import { requireUser } from './auth.ts';
import { uuidParam } from './params.ts';

/** `POST /api/keys`, `GET /api/keys`, `DELETE /api/keys/:id`: the caller's own keys only. */
export function keysRouter(apiKeys: ApiKeyService): Router {
  const router = Router();
  router.post('/keys', async (req, res) => {
    const user = requireUser(req);
    const body = parseOrThrow(CreateApiKeyRequest, req.body, 'request body');
    const created = await apiKeys.create(user.id, body.name);
    req.log.info({ userId: user.id, keyId: created.id }, 'api key created');
    res.status(201).json(created);
  });
  router.get('/keys', async (req, res) => {
    const body: ApiKeyList = { keys: await apiKeys.list(requireUser(req).id) };
    res.json(body);
  });
  router.delete('/keys/:id', async (req, res) => {
    const user = requireUser(req);
    const id = uuidParam(req.params.id, 'api key not found');
    if (!(await apiKeys.revoke(user.id, id))) throw new NotFoundError('api key not found');
    req.log.info({ userId: user.id, keyId: id }, 'api key revoked');
    res.status(204).end();
  });
  return router;
}
