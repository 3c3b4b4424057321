import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createDb, migrate, type DbHandle } from '../db/client.ts';
import { seedCharacters } from '../db/seed.ts';
import { builtInCharacters } from '../db/seed/companions.ts';
import type { Character } from '../protocol/index.ts';
import { agentSupervisorOf, createApp, libraryImportsOf } from './app.ts';
import type { ApiConfig } from './config.ts';
import { connectRateLimitRedis } from './http/rate-limit-redis.ts';
import { createLogger } from './logger.ts';
import { AccountService } from './services/accounts.ts';
import { LibraryImportStore } from './services/library-import-store.ts';
import { PasswordHasher } from './services/passwords.ts';

export interface StartApiOptions {
  /** @defaultValue a pino logger at `config.logLevel` writing to stdout */
  logger: Logger;
  /** Characters upserted at start. @defaultValue builtInCharacters */
  characters: readonly Character[];
  /** In-flight requests get this long after close() before their connections are cut. @defaultValue 5000 */
  shutdownGraceMs: number;
  /** The clock for token and invite expiry, in epoch milliseconds; tests pass a fake one. @defaultValue Date.now */
  clock: () => number;
  /** With `REDIS_URL`: the prefix of the rate limits' keys; replicas that share a budget share it. @defaultValue 'troupe:rl:' */
  rateLimitKeyPrefix: string;
}

export interface RunningApi {
  /** `http://host:port` with the port actually bound (useful with `PORT=0`). */
  url: string;
  port: number;
  db: DbHandle;
  /** Stops accepting connections, waits for in-flight requests (up to the grace period), closes the database and Redis. */
  close(): Promise<void>;
}

/**
 * Opens and migrates the database, seeds the built-in characters, connects to Redis for the rate
 * limits when `REDIS_URL` is set, and listens.
 */
export async function startApi(config: ApiConfig, opts: Partial<StartApiOptions> = {}): Promise<RunningApi> {
  const logger = opts.logger ?? createLogger(config);
  const db = await createDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
  try {
    await migrate(db);
    const seeded = await seedCharacters(db.db, opts.characters ?? builtInCharacters);
    logger.info({ database: db.kind, characters: seeded }, 'database ready');
    // Library imports whose process died mid-job; those of live replicas keep a fresh heartbeat.
    const interrupted = await new LibraryImportStore(
      db.db,
      config.libraryImport.staleAfterMs,
    ).interruptStale();
    if (interrupted > 0)
      logger.warn({ libraryImports: interrupted }, 'library imports left running marked interrupted');
    if (config.operator)
      await new AccountService(db.db, new PasswordHasher()).ensureOperator(config.operator, logger);
    if (config.authSecretSource === 'derived')
      logger.info(
        'bearer tokens are signed with a key derived from LIVEKIT_API_SECRET; set AUTH_SECRET in production',
      );
    if (config.broadcast.secretKeySource === 'derived')
      logger.warn(
        'broadcast stream keys are encrypted with a key derived from LIVEKIT_API_SECRET; set BROADCAST_SECRET_KEY in production',
      );
  } catch (err) {
    await db.close();
    throw err;
  }
  const rateLimitRedis = config.redisUrl
    ? await connectRateLimitRedis({
        url: config.redisUrl,
        logger,
        ...(opts.rateLimitKeyPrefix ? { keyPrefix: opts.rateLimitKeyPrefix } : {}),
      })
    : undefined;
  const app = createApp({ db, config, logger, clock: opts.clock ?? Date.now, rateLimitRedis });
  const server = app.listen(config.port, config.host);
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([err]) => Promise.reject(err)),
    ]);
  } catch (err) {
    await rateLimitRedis?.close();
    await db.close();
    throw err;
  }
  const supervisor = agentSupervisorOf(app);
  supervisor.start();
  const libraryImports = libraryImportsOf(app);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    db,
    close: () =>
      (closing ??= Promise.all([supervisor.stop(), libraryImports.stop()])
        .then(() => shutdown(server, db, opts.shutdownGraceMs ?? 5000))
        .then(() => rateLimitRedis?.close())),
  };
}

async function shutdown(server: Server, db: DbHandle, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
  await db.close();
}
