import { Router } from 'express';
import { pingDb, type DbHandle } from '../../db/client.ts';
import { DatabaseUnavailableError } from '../errors.ts';

/** `GET /healthz`: 200 when the database answers a query, 503 `database_unavailable` otherwise. */
export function healthRouter(handle: Pick<DbHandle, 'db' | 'kind'>): Router {
  const router = Router();
  router.get('/healthz', async (req, res) => {
    try {
      await pingDb(handle.db);
    } catch (err) {
      req.log.warn({ err, database: handle.kind }, 'health check failed');
      throw new DatabaseUnavailableError(`database (${handle.kind}) is not answering`);
    }
    res.json({ status: 'ok', database: handle.kind });
  });
  return router;
}
