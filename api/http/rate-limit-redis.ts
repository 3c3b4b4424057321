import type {
  ClientRateLimitInfo,
  IncrementResponse,
  Options as LimiterOptions,
  Store,
} from 'express-rate-limit';
import type { Logger } from 'pino';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { createClient } from 'redis';

export interface RateLimitRedisOptions {
  /** A `redis://` or `rediss://` URL (`REDIS_URL`). */
  url: string;
  /** Prefix of every key the limits write; each limiter adds its own name after it. @defaultValue 'troupe:rl:' */
  keyPrefix: string;
  /**
   * How long start-up waits for the first connection. Past it the API starts anyway and its limits
   * are not enforced until Redis answers. @defaultValue 5000
   */
  connectTimeoutMs: number;
  /** A command unanswered for this long fails, and its request goes through unlimited. @defaultValue 1000 */
  commandTimeoutMs: number;
  /** Longest wait between reconnection attempts. @defaultValue 5000 */
  maxReconnectDelayMs: number;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

export const defaultRateLimitRedisOptions = {
  keyPrefix: 'troupe:rl:',
  connectTimeoutMs: 5000,
  commandTimeoutMs: 1000,
  maxReconnectDelayMs: 5000,
} satisfies Partial<RateLimitRedisOptions>;

/** One Redis connection the API's rate limiters share, so that every replica counts in one place. */
export interface RateLimitRedis {
  /** A fresh store for one limiter (express-rate-limit wants one per limiter), its keys under `<keyPrefix><name>:`. */
  store(name: string): Store;
  /** Closes the connection; the stores fail (and their limiters let requests through) after it. */
  close(): Promise<void>;
}

/**
 * Connects to Redis for the rate limits. Never throws for an unreachable server: the API starts,
 * warns once, lets requests through unlimited while Redis is away (express-rate-limit's
 * `passOnStoreError`), and shares the counts again as soon as the client has reconnected.
 */
export async function connectRateLimitRedis(
  opts: Pick<RateLimitRedisOptions, 'url' | 'logger'> & Partial<RateLimitRedisOptions>,
): Promise<RateLimitRedis> {
  const o: RateLimitRedisOptions = { ...defaultRateLimitRedisOptions, ...opts };
  const where = redactedUrl(o.url);
  const client = createClient({
    url: o.url,
    // A command sent while disconnected fails at once instead of waiting for the reconnection:
    // a request is never held up by the limiter.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: o.connectTimeoutMs,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, o.maxReconnectDelayMs),
    },
  });
  // One warning per outage; node-redis reports every failed reconnection as an 'error' event,
  // which would crash the process if nothing listened.
  let down = false;
  client.on('error', (err: unknown) => {
    if (down) return o.logger.debug({ err, redis: where }, 'redis still unreachable');
    down = true;
    o.logger.warn({ err, redis: where }, 'redis unreachable: rate limits are not enforced until it answers');
  });
  client.on('ready', () => {
    if (down) o.logger.info({ redis: where }, 'redis reachable again: rate limits are enforced');
    down = false;
  });

  // connect() settles only once connected and retries meanwhile: start-up waits for the first
  // attempt only (ready, refused, or no answer within connectTimeoutMs), then goes on either way.
  let timer: NodeJS.Timeout | undefined;
  const ready = await new Promise<boolean>((resolve) => {
    client.once('ready', () => resolve(true));
    client.once('error', () => resolve(false));
    timer = setTimeout(() => resolve(false), o.connectTimeoutMs);
    client.connect().catch(() => resolve(false));
  });
  clearTimeout(timer);
  if (!ready && !down) {
    down = true;
    o.logger.warn({ redis: where }, 'redis unreachable: rate limits are not enforced until it answers');
  }

  const sendCommand = (...args: string[]) =>
    client.sendCommand(args, { timeout: o.commandTimeoutMs }) as Promise<RedisReply>;
  return {
    store: (name) => new RecoveringRedisStore({ sendCommand, prefix: `${o.keyPrefix}${name}:` }),
    close: async () => {
      if (!client.isOpen) return;
      if (client.isReady) await client.close();
      else client.destroy();
    },
  };
}

/**
 * rate-limit-redis's store, with its Lua scripts loaded at the first request (not at construction,
 * when the client may still be connecting) and loaded again after a failure: the stock store keeps
 * a failed load's rejected promise, and with it would fail every request after Redis came back.
 */
class RecoveringRedisStore extends RedisStore implements Store {
  readonly #loaded = { increment: false, get: false };

  override async init(options: LimiterOptions): Promise<void> {
    this.windowMs = options.windowMs;
  }

  override async increment(key: string): Promise<IncrementResponse> {
    return this.#withScript(
      'increment',
      () => (this.incrementScriptSha = this.loadIncrementScript()),
      () => super.increment(key),
    );
  }

  override async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    return this.#withScript(
      'get',
      () => (this.getScriptSha = this.loadGetScript()),
      () => super.get(key),
    );
  }

  /** Runs `call` with its script loaded (by `load`) once, and loaded again after a failure. */
  async #withScript<T>(script: 'increment' | 'get', load: () => unknown, call: () => Promise<T>): Promise<T> {
    if (!this.#loaded[script]) {
      load();
      this.#loaded[script] = true;
    }
    try {
      return await call();
    } catch (err) {
      this.#loaded[script] = false;
      throw err;
    }
  }
}

/** The URL without its password, for logs. */
function redactedUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
