import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { DbHandle } from '../db/client.ts';
import type { ApiConfig } from './config.ts';
import { apiNotFound, errorHandler, NotFoundError, UnsupportedMediaTypeError } from './errors.ts';
import { corsPolicy } from './http/cors.ts';
import { ApiMetrics } from './http/metrics.ts';
import { apiRateLimits, routeRateLimit } from './http/rate-limit.ts';
import type { RateLimitRedis } from './http/rate-limit-redis.ts';
import { apiInfo, apiOperations } from './openapi/operations.ts';
import { openApiDocument } from './openapi/registry.ts';
import { docsRouter } from './routes/docs.ts';
import { livekitWebhookRouter } from './routes/livekit-webhook.ts';
import { ParticipantStore } from './services/participants.ts';
import { RoomEvents } from './services/room-events.ts';
import { authenticate, authRouter } from './routes/auth.ts';
import { characterCardsRouter } from './routes/character-cards.ts';
import { libraryImportRouter } from './routes/library-import.ts';
import { knowledgeInternalRouter, knowledgeRouter } from './routes/knowledge.ts';
import { avatarsRouter } from './routes/avatars.ts';
import { characterGenerateRouter } from './routes/character-generate.ts';
import { voicesRouter } from './routes/voices.ts';
import { analyticsRouter } from './routes/analytics.ts';
import { catalogRouter } from './routes/catalog.ts';
import { charactersRouter } from './routes/characters.ts';
import { healthRouter } from './routes/health.ts';
import { internalRouter, requireAgentToken } from './routes/internal.ts';
import { invitesRouter, redactInviteCode } from './routes/invites.ts';
import { keysRouter } from './routes/keys.ts';
import { sessionsRouter } from './routes/sessions.ts';
import { webRouter } from './routes/web.ts';
import { AgentSupervisor } from './services/agent-supervisor.ts';
import { AnalyticsService } from './services/analytics.ts';
import { EngagementService } from './services/analytics/engagement.ts';
import { CatalogService } from './services/catalog.ts';
import { CharacterRepository } from './services/characters.ts';
import { AvatarService } from './services/avatars.ts';
import { CharacterGenerator } from './services/character-generator.ts';
import { LibraryImportService } from './services/library-import.ts';
import { VoiceCloneService } from './services/voice-clone.ts';
import { VoicePreviewService } from './services/voice-preview.ts';
import { LivekitService } from './services/livekit.ts';
import { MemoryService } from './services/memories.ts';
import { EmbeddingsClient } from './services/knowledge/embeddings.ts';
import { KnowledgeService } from './services/knowledge/service.ts';
import { SessionSearch } from './services/session-list.ts';
import { SessionService } from './services/sessions.ts';
import { broadcastsInternalRouter, broadcastsRouter } from './routes/broadcasts.ts';
import { showControlInternalRouter, showControlRouter } from './routes/show-control.ts';
import { createShowControl } from './services/show-control.ts';
import { BuiltinOutput, EgressOutput } from './services/broadcasts/outputs.ts';
import { SecretBox } from './services/broadcasts/secrets.ts';
import { BroadcastService } from './services/broadcasts/service.ts';
import { BroadcastStore } from './services/broadcasts/store.ts';
import { accountServices } from './services/wiring.ts';

export interface AppDeps {
  db: Pick<DbHandle, 'db' | 'kind'>;
  config: ApiConfig;
  logger: Logger;
  /** The clock for token and invite expiry, in epoch milliseconds. @defaultValue Date.now */
  clock?: () => number;
  /** Where the rate limits count, connected by the owner (`REDIS_URL`). @defaultValue undefined (this process's memory) */
  rateLimitRedis?: RateLimitRedis;
}

/** Builds the express app. Pure: opens no socket and makes no network call until a request needs one. */
export function createApp({ db, config, logger, clock = Date.now, rateLimitRedis }: AppDeps): Express {
  const characters = new CharacterRepository(db.db);
  const livekit = new LivekitService({
    url: config.livekitUrl,
    apiKey: config.livekitApiKey,
    apiSecret: config.livekitApiSecret,
    roomTokenTtlMs: config.roomTokenTtlMs,
  });
  const memories = new MemoryService(db.db);
  const knowledge = new KnowledgeService(db.db, {
    embeddings: config.embeddings ? new EmbeddingsClient(config.embeddings) : undefined,
    logger,
  });
  const engagement = new EngagementService(db.db, logger, config.analytics);
  const sessions = new SessionService({
    db: db.db,
    characters,
    livekit,
    memories,
    livekitPublicUrl: config.livekitPublicUrl,
    agentJoinTimeoutMs: config.agentDispatch.joinTimeoutMs,
    turnStored: (turn, log) => engagement.turnStored(turn, log),
  });
  const jsonBody = [requireJsonBody(), express.json({ limit: config.bodyLimitBytes, strict: true })];
  const { accounts, apiKeys, auth, invites } = accountServices({ db: db.db, config, livekit, clock });
  const metrics = config.metricsEnabled ? new ApiMetrics() : undefined;
  const participants = new ParticipantStore({ db: db.db, registry: metrics?.registry });
  const secretBox = new SecretBox({
    key: config.broadcast.secretKey,
    previousKey: config.broadcast.previousSecretKey,
  });
  const broadcasts = new BroadcastService({
    store: new BroadcastStore(db.db, secretBox),
    sessions,
    livekit,
    outputs: {
      egress: new EgressOutput({
        url: config.livekitUrl,
        apiKey: config.livekitApiKey,
        apiSecret: config.livekitApiSecret,
      }),
      builtin: new BuiltinOutput(),
    },
    egressEnabled: config.broadcast.egressEnabled,
    publicWebUrl: config.broadcast.publicWebUrl,
    livekitPublicUrl: config.livekitPublicUrl,
  });
  const agents = new AgentSupervisor(
    {
      db: db.db,
      livekit,
      logger,
      onFailed: (id, reason, log) => broadcasts.sessionFailed(id, reason, log),
      endSession: (id, log) => sessions.markRoomFinished(id, log),
    },
    { joinTimeoutMs: config.agentDispatch.joinTimeoutMs, maxAttempts: config.agentDispatch.dispatchAttempts },
  );
  const roomEvents = new RoomEvents({ sessions, participants, broadcasts, agents });
  const showControl = createShowControl({
    db: db.db,
    broadcasts,
    livekit,
    box: secretBox,
    settings: config.showControl,
    logger,
    clock,
  });
  const avatars = new AvatarService(db.db);
  const library = config.libraryImport;
  const libraryImports = new LibraryImportService(
    { db: db.db, cards: { characters, avatars, avatarLimitBytes: config.avatarUploadLimitBytes } },
    {
      limits: {
        maxCards: library.maxCards,
        maxUncompressedBytes: library.maxUncompressedBytes,
        maxCardBytes: library.maxCardBytes,
      },
      maxRunning: library.maxRunning,
      staleAfterMs: library.staleAfterMs,
    },
  );
  const builderLimit = (name: string) =>
    routeRateLimit(config.builderRateLimitPerMinute, `builder-${name}`, { logger, redis: rateLimitRedis });
  const openApi = openApiDocument(apiOperations({ metrics: config.metricsEnabled }), apiInfo);

  const app = express();
  app.disable('x-powered-by');
  // TRUST_PROXY: whose X-Forwarded-For names the client (req.ip, which keys the per-IP limits).
  app.set('trust proxy', config.trustProxy);
  // No CSP here: the client connects to a LiveKit URL only known at run time; set one at the proxy.
  // HSTS is left to the TLS-terminating proxy: this server speaks plain HTTP on a trusted network.
  app.use(helmet({ contentSecurityPolicy: false, strictTransportSecurity: false }));
  app.use(requestLogger(logger));
  if (metrics) app.use(metrics.router(), metrics.observe());
  // CORS first, so every answer (a 401 included) carries its headers; then authentication, so the
  // limits below count per account when req.user is set, and per IP otherwise.
  app.use('/api', corsPolicy({ origins: config.corsOrigins }));
  app.use('/api', authenticate(auth));
  app.use(
    '/api',
    apiRateLimits({
      perWindow: config.rateLimitPerMinute,
      authPerWindow: config.authRateLimitPerMinute,
      logger,
      redis: rateLimitRedis,
    }),
  );
  app.use(healthRouter(db));
  // Raw body: the signature covers the exact bytes LiveKit sent.
  app.use(
    '/api/livekit',
    livekitWebhookRouter({
      apiKey: config.livekitApiKey,
      apiSecret: config.livekitApiSecret,
      bodyLimitBytes: config.bodyLimitBytes,
      events: roomEvents,
    }),
  );
  app.use('/api', docsRouter(openApi));
  // The internal router authenticates before it parses, so a forged token never gets a body read.
  app.use(
    '/api/internal',
    requireAgentToken(config.livekitApiSecret),
    ...jsonBody,
    internalRouter(sessions, memories, agents),
    broadcastsInternalRouter(broadcasts),
    showControlInternalRouter(showControl),
    knowledgeInternalRouter(knowledge),
  );
  // Documents are read raw (text or JSON) with their own size limit, so this comes before the JSON parser.
  app.use(
    '/api',
    knowledgeRouter({ characters, knowledge, uploadLimitBytes: config.knowledgeUploadLimitBytes }),
  );
  // Card files are read raw, with their own size limit, so this comes before the JSON parser.
  app.use(
    '/api',
    characterCardsRouter({
      characters,
      uploadLimitBytes: config.cardUploadLimitBytes,
      avatars,
      avatarLimitBytes: config.avatarUploadLimitBytes,
    }),
  );
  // Library uploads (multipart or a raw ZIP) are read within their own byte budget, before the JSON parser.
  app.use(
    '/api',
    libraryImportRouter({ imports: libraryImports, uploadLimitBytes: library.uploadLimitBytes }),
  );
  // Raw images and multipart forms, each with its own limits; the JSON routes among them parse their own.
  app.use(
    '/api',
    avatarsRouter({
      characters,
      avatars,
      uploadLimitBytes: config.avatarUploadLimitBytes,
      isServed: (path) =>
        [config.webDistDir, config.webPublicDir].some((dir) => existsSync(join(dir, normalize(path)))),
    }),
    voicesRouter({
      characters,
      previews: new VoicePreviewService({ providers: config.providers }),
      clones: new VoiceCloneService({ providers: config.providers }),
      jsonBody,
      rateLimit: builderLimit('voice'),
    }),
  );
  app.use(
    '/api',
    ...jsonBody,
    authRouter(accounts, auth),
    keysRouter(apiKeys),
    characterGenerateRouter({
      generator: new CharacterGenerator({ providers: config.providers }),
      rateLimit: builderLimit('generate'),
    }),
    // Before charactersRouter: the catalog answers `GET /api/characters`.
    catalogRouter(new CatalogService(db.db), characters),
    charactersRouter(characters),
    sessionsRouter(sessions, invites, new SessionSearch(db.db), agents),
    analyticsRouter({ analytics: new AnalyticsService(db.db), engagement, characters, sessions }),
    invitesRouter(sessions, invites),
    broadcastsRouter(broadcasts),
    showControlRouter(showControl),
    apiNotFound(),
  );
  app.use(webRouter({ distDir: config.webDistDir, publicDir: config.webPublicDir }));
  app.use((req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.path}`)));
  app.use(errorHandler());
  app.locals[SUPERVISOR] = agents;
  app.locals[LIBRARY_IMPORTS] = libraryImports;
  return app;
}

const SUPERVISOR = 'troupe.agentSupervisor';
const LIBRARY_IMPORTS = 'troupe.libraryImports';

/** The app's library imports, whose running jobs its owner interrupts when it closes. */
export function libraryImportsOf(app: Express): LibraryImportService {
  return app.locals[LIBRARY_IMPORTS] as LibraryImportService;
}

/** The app's agent supervisor, which its owner starts once it listens and stops when it closes. */
export function agentSupervisorOf(app: Express): AgentSupervisor {
  return app.locals[SUPERVISOR] as AgentSupervisor;
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
        url: redactInviteCode(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/metrics' },
  });
}
