import { Router, type Request, type RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import { RateLimitedError } from '../errors.ts';
import type { RateLimitRedis } from './rate-limit-redis.ts';

export interface RateLimitOptions {
  /** Requests per window a client may make to `/api`; 0 turns the limit off. @defaultValue 300 */
  perWindow: number;
  /** Requests per window a client may make to `/api/auth/*` (on top of the general limit); 0 turns it off. @defaultValue 20 */
  authPerWindow: number;
  /** @defaultValue 60000 */
  windowMs: number;
  /**
   * Paths under the mount point that are never limited: the agent's reports (one trusted caller that
   * must not lose turns) and LiveKit's webhooks (one caller, signed). @defaultValue ['/internal/', '/livekit/webhook']
   */
  exemptPrefixes: readonly string[];
  /** Where the limiter reports its own misconfiguration and store failures. @defaultValue console */
  logger: Logger | undefined;
  /**
   * Where the counters live: Redis (`REDIS_URL`, shared by every API replica) or, unset, this
   * process's memory. A failing store lets the request through (fail open) with a warning.
   * @defaultValue undefined (memory)
   */
  redis: RateLimitRedis | undefined;
}

export const defaultRateLimitOptions: RateLimitOptions = {
  perWindow: 300,
  authPerWindow: 20,
  windowMs: 60_000,
  exemptPrefixes: ['/internal/', '/livekit/webhook'],
  logger: undefined,
  redis: undefined,
};

/**
 * Who a request counts against: its account once one is signed in (`req.user`, set by the session
 * middleware, which therefore has to run before the limiter), its IP otherwise. IPv6 addresses are
 * grouped by /56, as one home or host gets a whole prefix. Read without a type of its own so that
 * this file does not compete with the accounts code's declaration of `req.user`.
 */
export function rateLimitKey(req: Request): string {
  const user = (req as Request & { user?: { id?: unknown } }).user;
  if (user && (typeof user.id === 'string' || typeof user.id === 'number')) return `user:${user.id}`;
  return `ip:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`;
}

/**
 * The API's rate limits, mounted on `/api`: a general limit per client and a stricter one on
 * `/api/auth/*` (where guessing passwords happens). Over the limit, the answer is 429 in the API's
 * error shape with Retry-After; every limited response carries `RateLimit` and `RateLimit-Policy`.
 * Counters live in Redis when `redis` is given (every replica then counts against one budget), in
 * this process's memory otherwise.
 */
export function apiRateLimits(opts: Partial<RateLimitOptions> = {}): Router {
  const o = { ...defaultRateLimitOptions, ...opts };
  const router = Router();
  const exempt = (req: Request) => o.exemptPrefixes.some((p) => req.path.startsWith(p));
  if (o.authPerWindow > 0) router.use('/auth', limiter(o.authPerWindow, 'auth', o));
  if (o.perWindow > 0) router.use(limiter(o.perWindow, 'api', o, exempt));
  return router;
}

function limiter(
  limit: number,
  identifier: string,
  o: RateLimitOptions,
  skip: (req: Request) => boolean = () => false,
): RequestHandler {
  return rateLimit({
    windowMs: o.windowMs,
    limit,
    identifier,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: rateLimitKey,
    skip,
    ...(o.redis ? { store: o.redis.store(identifier) } : {}),
    // A store that fails (Redis unreachable) must not fail the request: it goes through unlimited.
    passOnStoreError: true,
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      next(new RateLimitedError(resetTime ? Math.max(0, resetTime.getTime() - Date.now()) : undefined));
    },
    ...(o.logger ? { logger: limiterLogger(o.logger, identifier) } : {}),
  });
}

/** How often a limiter whose store keeps failing says so again. */
const STORE_ERROR_LOG_INTERVAL_MS = 10_000;

function limiterLogger(logger: Logger, limiter: string) {
  let lastStoreErrorAt = -Infinity;
  let unlogged = 0;
  return {
    warn: (err: unknown, message?: string) => logger.warn({ err }, message ?? 'rate limiter warning'),
    error: (err: unknown, message?: string) => {
      // passOnStoreError's report: a warning (the request was let through), at most one per interval.
      if (message?.includes('error from store')) {
        const now = Date.now();
        if (now - lastStoreErrorAt < STORE_ERROR_LOG_INTERVAL_MS) {
          unlogged++;
          return;
        }
        logger.warn(
          { err, limiter, alsoLetThrough: unlogged },
          'rate limit store failed: request let through without a limit',
        );
        lastStoreErrorAt = now;
        unlogged = 0;
        return;
      }
      logger.error({ err }, message ?? 'rate limiter error');
    },
  };
}

/**
 * A stricter limit for one costly route (voice preview, generation, cloning), counted per client as
 * the general one and on top of it; 0 turns it off. `identifier` keeps each route's counter apart.
 */
export function routeRateLimit(
  limit: number,
  identifier: string,
  opts: Partial<Pick<RateLimitOptions, 'windowMs' | 'logger' | 'redis'>> = {},
): RequestHandler {
  if (limit <= 0) return (_req, _res, next) => next();
  return limiter(limit, identifier, { ...defaultRateLimitOptions, ...opts });
}
