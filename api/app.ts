import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { DbHandle } from '../db/client.ts';
import type { ApiConfig } from './config.ts';
import { apiNotFound, errorHandler, NotFoundError, UnsupportedMediaTypeError } from './errors.ts';
import { charactersRouter } from './routes/characters.ts';
import { healthRouter } from './routes/health.ts';
import { internalRouter, requireAgentToken } from './routes/internal.ts';
import { sessionsRouter } from './routes/sessions.ts';
import { webRouter } from './routes/web.ts';
import { CharacterRepository } from './services/characters.ts';
import { LivekitService } from './services/livekit.ts';
import { SessionService } from './services/sessions.ts';

export interface AppDeps {
  db: Pick<DbHandle, 'db' | 'kind'>;
  config: ApiConfig;
  logger: Logger;
}

/** Builds the express app. Pure: opens no socket and makes no network call until a request needs one. */
export function createApp({ db, config, logger }: AppDeps): Express {
  const characters = new CharacterRepository(db.db);
  const livekit = new LivekitService({
    url: config.livekitUrl,
    apiKey: config.livekitApiKey,
    apiSecret: config.livekitApiSecret,
    roomTokenTtlMs: config.roomTokenTtlMs,
  });
  const sessions = new SessionService({
    db: db.db,
    characters,
    livekit,
    livekitPublicUrl: config.livekitPublicUrl,
  });
  const jsonBody = [requireJsonBody(), express.json({ limit: config.bodyLimitBytes, strict: true })];

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // No CSP here: the client connects to a LiveKit URL only known at run time; set one at the proxy.
  // HSTS is left to the TLS-terminating proxy: this server speaks plain HTTP on a trusted network.
  app.use(helmet({ contentSecurityPolicy: false, strictTransportSecurity: false }));
  app.use(requestLogger(logger));
  app.use(healthRouter(db));
  // The internal router authenticates before it parses, so a forged token never gets a body read.
  app.use('/api/internal', requireAgentToken(config.livekitApiSecret), ...jsonBody, internalRouter(sessions));
  app.use('/api', ...jsonBody, charactersRouter(characters), sessionsRouter(sessions), apiNotFound());
  app.use(webRouter({ distDir: config.webDistDir, publicDir: config.webPublicDir }));
  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use(errorHandler());
  return app;
}

/** A request that carries a body must say it is JSON; a body-less POST (e.g. `/end`) is fine. */
function requireJsonBody(): RequestHandler {
  return (req, _res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
    if (hasBody && !req.is('application/json')) throw new UnsupportedMediaTypeError();
    next();
  };
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** One child logger per request with its id; logs method, path and status, never headers or bodies. */
function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (req) => req.url === '/healthz' },
  });
}
