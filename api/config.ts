import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { Email, Password } from '../protocol/auth.ts';
import { defaultProviderOptions, providerOptions, type ProviderOptions } from '../speech/options.ts';

/** Relative directories in the config are resolved against the project root, not the cwd. */
export const projectRoot = resolve(import.meta.dirname, '..');

/** The API's whole configuration, read once from the environment at start-up. */
export interface ApiConfig {
  /** `PORT`: HTTP port; 0 picks a free one. @defaultValue 3000 */
  port: number;
  /** `HOST`: interface to bind; `0.0.0.0` in a container. @defaultValue '127.0.0.1' */
  host: string;
  /** `DATABASE_URL`: a `postgres://` URL; unset means embedded PGlite. @defaultValue undefined */
  databaseUrl: string | undefined;
  /** `PGLITE_DIR`: PGlite data directory, or `memory://`. @defaultValue 'data/pglite' */
  pgliteDir: string;
  /** `LIVEKIT_URL`: the LiveKit server the API itself calls (room service). @defaultValue 'ws://127.0.0.1:7880' */
  livekitUrl: string;
  /** `LIVEKIT_PUBLIC_URL`: the LiveKit URL handed to browsers. @defaultValue the value of `LIVEKIT_URL` */
  livekitPublicUrl: string;
  /** `LIVEKIT_API_KEY`. @defaultValue 'devkey' (livekit-server `--dev`) */
  livekitApiKey: string;
  /** `LIVEKIT_API_SECRET`; also the root of the agent's API token. @defaultValue 'secret' (livekit-server `--dev`) */
  livekitApiSecret: string;
  /**
   * How the API confirms that a session's agent arrived (agent-supervisor.ts):
   * `AGENT_JOIN_TIMEOUT_MS` is how long a dispatch may take before it is made
   * again, with backoff; `AGENT_DISPATCH_ATTEMPTS` how many dispatches are made before the session
   * fails with a reason. @defaultValue {joinTimeoutMs: 5000, dispatchAttempts: 4}
   */
  agentDispatch: { joinTimeoutMs: number; dispatchAttempts: number };
  /** `LOG_LEVEL`: pino level. @defaultValue 'info' */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `WEB_DIST_DIR`: the built web client, served with an SPA fallback when present. @defaultValue 'web/dist' */
  webDistDir: string;
  /** `WEB_PUBLIC_DIR`: served instead (avatars) when the client is not built. @defaultValue 'web/public' */
  webPublicDir: string;
  /** `BODY_LIMIT`: largest JSON body, e.g. `64kb`, `1mb`, or bytes. @defaultValue 65536 (`64kb`) */
  bodyLimitBytes: number;
  /** `CARD_UPLOAD_LIMIT`: largest character card file `POST /api/characters/import` accepts, e.g. `20mb`. @defaultValue 20971520 (`20mb`) */
  cardUploadLimitBytes: number;
  /** `ROOM_TOKEN_TTL`: lifetime of a caller's room token, e.g. `2h`, `30m`, or seconds. @defaultValue 7200000 (`2h`) */
  roomTokenTtlMs: number;
  /** `RATE_LIMIT_PER_MINUTE`: requests a client (its account, else its IP) may make to `/api` per minute; 0 turns the limit off. @defaultValue 300 */
  rateLimitPerMinute: number;
  /** `AUTH_RATE_LIMIT_PER_MINUTE`: the stricter limit on `/api/auth/*`; 0 turns it off. @defaultValue 20 */
  authRateLimitPerMinute: number;
  /**
   * `REDIS_URL`: a `redis://` (or `rediss://`) URL where the rate limits keep their counters, so that
   * every API replica counts against one budget. Unset, each process counts on its own. While Redis
   * is unreachable requests are let through unlimited, with a warning. @defaultValue undefined
   */
  redisUrl: string | undefined;
  /**
   * `TRUST_PROXY`: which reverse proxies' `X-Forwarded-For` the API believes, as Express's
   * `trust proxy` takes it: `false` (none: the socket's address is the client's), `true` (any: only
   * when nothing but the proxy can reach the API), a hop count (`1`: the proxy in front of it), or a
   * comma-separated list of addresses, subnets and `loopback` / `linklocal` / `uniquelocal`. The
   * client address it yields keys the per-IP rate limits. @defaultValue false
   */
  trustProxy: TrustProxy;
  /** `CORS_ORIGINS`: comma-separated origins (`https://app.example.com`) browsers may call the API from. @defaultValue [] (same origin only) */
  corsOrigins: string[];
  /** `METRICS_ENABLED`: serve Prometheus metrics at `/metrics`. @defaultValue true */
  metricsEnabled: boolean;
  /**
   * `AUTH_SECRET`: HMAC key that signs bearer tokens, 32 characters or more. Production should set
   * it: the default changes whenever the LiveKit secret does, signing everyone out.
   * @defaultValue derived from `LIVEKIT_API_SECRET` with HMAC and its own label
   */
  authSecret: string;
  /** Where authSecret came from: `AUTH_SECRET`, or derived from the LiveKit secret. @defaultValue 'derived' */
  authSecretSource: 'env' | 'derived';
  /** `AUTH_TOKEN_TTL`: lifetime of a bearer token from sign-in, e.g. `1h`, `30m`, or seconds. @defaultValue 3600000 (`1h`) */
  authTokenTtlMs: number;
  /**
   * `OPERATOR_EMAIL` and `OPERATOR_PASSWORD`: the operator account, created at start when absent
   * (an existing account is left as it is). Both or neither.
   * @defaultValue undefined (no operator account)
   */
  operator: { email: string; password: string } | undefined;
  /** `AVATAR_UPLOAD_LIMIT`: largest avatar image `PUT /api/characters/:id/avatar` accepts, e.g. `2mb`. @defaultValue 2097152 (`2mb`) */
  avatarUploadLimitBytes: number;
  /**
   * `BUILDER_RATE_LIMIT_PER_MINUTE`: requests a client may make per minute to each of the builder's
   * costly endpoints (voice preview, character generation, voice cloning), on top of the general
   * limit; 0 turns it off. @defaultValue 10
   */
  builderRateLimitPerMinute: number;
  /**
   * The speech and language providers the builder uses (generation, voice preview, cloning), read
   * from the same variables as the agent's (agent/config.ts): `OPENAI_API_KEY`, `OPENAI_BASE_URL`,
   * `LLM_BASE_URL`, `LLM_API_KEY`, `LLM_MODEL`, `TTS_BASE_URL`, `TTS_API_KEY`, `TTS_MODEL`,
   * `ELEVENLABS_API_KEY` (speech and voice cloning), `ELEVENLABS_BASE_URL` (ending in `/v1`) and
   * `ELEVENLABS_MODEL`. The API transcribes nothing: speech-to-text keeps its defaults.
   * @defaultValue defaultProviderOptions (everything offline)
   */
  providers: ProviderOptions;
  /** `KNOWLEDGE_UPLOAD_LIMIT`: largest knowledge document `POST /api/characters/:id/knowledge` accepts, e.g. `1mb`. @defaultValue 1048576 (`1mb`) */
  knowledgeUploadLimitBytes: number;
  /**
   * `EMBEDDINGS_BASE_URL` (ending in `/v1`, as OpenAI's), `EMBEDDINGS_API_KEY` (optional for local
   * servers) and `EMBEDDINGS_MODEL`: an OpenAI-compatible `/embeddings` server for knowledge retrieval.
   * Used only where the database has pgvector; full-text search works without it.
   * @defaultValue undefined (full-text search only)
   */
  embeddings: EmbeddingsSettings | undefined;
  /** Broadcasts to Twitch: secret keys, the output and where the stage page is served. */
  broadcast: BroadcastSettings;
  /** The show-control API (`POST /api/broadcasts/:id/control`): waits, command lifetime, webhook delivery. */
  showControl: ShowControlSettings;
  /** Engagement analytics (api/services/analytics/engagement.ts): the limits of one answer and of a catch-up batch. */
  analytics: AnalyticsSettings;
  /** `POST /api/characters/library-imports`: what one upload may hold, and how many run at once. */
  libraryImport: LibraryImportSettings;
}

/** Library imports (api/services/library-import.ts). */
export interface LibraryImportSettings {
  /** `LIBRARY_IMPORT_UPLOAD_LIMIT`: most bytes one upload may carry, all its files together. @defaultValue 104857600 (`100mb`) */
  uploadLimitBytes: number;
  /** `LIBRARY_IMPORT_MAX_CARDS`: most cards one import may hold, across all its files. @defaultValue 1000 */
  maxCards: number;
  /** `LIBRARY_IMPORT_MAX_UNCOMPRESSED`: most bytes the cards in an upload's ZIP libraries may inflate to, together. @defaultValue 536870912 (`512mb`) */
  maxUncompressedBytes: number;
  /** `LIBRARY_IMPORT_MAX_CARD_SIZE`: largest one card may be, as uploaded or as inflated from a ZIP library. @defaultValue 20971520 (`20mb`) */
  maxCardBytes: number;
  /** `LIBRARY_IMPORT_MAX_RUNNING`: imports one API process runs at once (each holds its upload in memory); more get 429. @defaultValue 2 */
  maxRunning: number;
  /** `LIBRARY_IMPORT_STALE_AFTER`: a running import whose process has written nothing for this long is shown `interrupted`. @defaultValue 60000 (`1m`) */
  staleAfterMs: number;
}

/** Express's `trust proxy`: none or all, a hop count, or the proxies' addresses and subnets. */
export type TrustProxy = boolean | number | string[];

/** One `TRUST_PROXY` entry: an IP, an IP/prefix (or IPv4/netmask), or one of Express's names. */
function trustedProxy(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', range, ...more] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || more.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

const trustProxy = z.string().transform((v, ctx): TrustProxy => {
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^\d+$/.test(t) && Number(t) <= 32) return Number(t);
  const entries = t
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length > 0 && entries.every(trustedProxy)) return entries;
  ctx.addIssue({
    code: 'custom',
    message:
      'must be true, false, a hop count (0–32) or comma-separated addresses/subnets (10.0.0.0/8, loopback)',
  });
  return z.NEVER;
});

/** Engagement analytics settings (api/services/analytics/engagement.ts). */
export interface AnalyticsSettings {
  /** `ANALYTICS_MAX_SESSIONS`: most sessions one engagement answer covers; a range with more is refused (400). @defaultValue 50000 */
  maxSessions: number;
  /** `ANALYTICS_MAX_TOPICS`: largest `?topics=` (top terms listed). @defaultValue 100 */
  maxTopics: number;
  /** `ANALYTICS_MAX_RECENT_SESSIONS`: largest `?sessions=` (recent sessions listed). @defaultValue 500 */
  maxRecentSessions: number;
  /** `ANALYTICS_CATCH_UP_BATCH`: sessions a catch-up of uncounted turns looks up per batch. @defaultValue 100 */
  catchUpBatchSessions: number;
}

/** Broadcast settings (api/services/broadcasts). */
export interface BroadcastSettings {
  /**
   * `BROADCAST_SECRET_KEY`: 32 bytes, base64 or hex, sealing stream keys and chat tokens at rest.
   * Production should set it: the default changes whenever the LiveKit secret does, and every
   * stored key then has to be entered again.
   * @defaultValue derived from `LIVEKIT_API_SECRET` with HMAC and its own label
   */
  secretKey: Buffer;
  /** Where secretKey came from. @defaultValue 'derived' */
  secretKeySource: 'env' | 'derived';
  /** `BROADCAST_SECRET_KEY_PREVIOUS`: the key before a rotation; opens old values, never seals. @defaultValue undefined */
  previousSecretKey: Buffer | undefined;
  /** `LIVEKIT_EGRESS_ENABLED`: an egress service is attached to LiveKit, so `auto` broadcasts use it. @defaultValue false */
  egressEnabled: boolean;
  /**
   * `PUBLIC_WEB_URL`: where the web client is reachable by the egress service's Chrome and by OBS
   * (the stage page's base). @defaultValue `http://127.0.0.1:<PORT>`
   */
  publicWebUrl: string;
}

/** The show-control API (api/services/show-control.ts). */
export interface ShowControlSettings {
  /** `SHOW_CONTROL_WAIT_MS`: how long a command request waits for the outcome when it names no `waitMs` (capped by the maximum). @defaultValue 10000 */
  defaultWaitMs: number;
  /** `SHOW_CONTROL_MAX_WAIT_MS`: the largest `waitMs` a request may ask for; more is refused (400). @defaultValue 60000 */
  maxWaitMs: number;
  /** `SHOW_CONTROL_POLL_MS`: while waiting, how often the stored command is read (its outcome may land on another replica). @defaultValue 250 */
  pollMs: number;
  /** `SHOW_CONTROL_SEND_ATTEMPTS`: times a command is sent to the show until the show confirms it has it. @defaultValue 5 */
  sendAttempts: number;
  /** `SHOW_CONTROL_RESEND_MS`: how long to wait for that confirmation before sending again. @defaultValue 2000 */
  resendMs: number;
  /** `SHOW_CONTROL_COMMAND_TTL_MS`: a command the show has not answered after this long is `dropped` (`lost`). @defaultValue 300000 */
  commandTtlMs: number;
  /** `SHOW_CONTROL_MAX_PENDING`: unfinished commands one broadcast may have; one more is refused (429). @defaultValue 50 */
  maxPending: number;
  /** `SHOW_CONTROL_WEBHOOK_ATTEMPTS`: tries of one webhook delivery (a 2xx ends them, a 4xx other than 408/429 too). @defaultValue 4 */
  webhookAttempts: number;
  /** `SHOW_CONTROL_WEBHOOK_RETRY_MS`: the pause before the second try, doubling after each. @defaultValue 1000 */
  webhookRetryMs: number;
  /** `SHOW_CONTROL_WEBHOOK_TIMEOUT_MS`: how long one try may take. @defaultValue 5000 */
  webhookTimeoutMs: number;
}

/** The default BROADCAST_SECRET_KEY: 32 bytes derived from the LiveKit secret with a label of its own. */
export function deriveBroadcastSecretKey(livekitApiSecret: string): Buffer {
  return createHmac('sha256', livekitApiSecret).update('troupe-broadcast-secret-key').digest();
}

/** 32 bytes written as 64 hex digits, or as base64 / base64url. */
const secretKey = z.string().transform((v, ctx) => {
  const t = v.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t)
    ? Buffer.from(t, 'hex')
    : /^[A-Za-z0-9+/_-]{43}={0,1}$/.test(t)
      ? Buffer.from(t.replace(/=+$/, ''), 'base64url')
      : undefined;
  if (bytes?.length !== 32) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be 32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)',
    });
    return z.NEVER;
  }
  return bytes;
});

/** An OpenAI-compatible embeddings server. */
export interface EmbeddingsSettings {
  baseUrl: string;
  apiKey: string | undefined;
  /** @defaultValue 'text-embedding-3-small' */
  model: string;
}

/**
 * The default AUTH_SECRET: a key of its own derived from the LiveKit secret (as the agent's token
 * is), so that a fresh machine needs no extra setting and neither secret reveals the other.
 */
export function deriveAuthSecret(livekitApiSecret: string): string {
  return createHmac('sha256', livekitApiSecret).update('troupe-auth-token-signing').digest('base64url');
}

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2 };
const durationUnits: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A whole number with an optional unit from `units` (`64kb`, `2h`); a bare number counts `bare` each. */
const withUnit = (units: Record<string, number>, bare: number, message: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .regex(new RegExp(`^\\d+(${Object.keys(units).join('|')})?$`), message)
    .transform((v) => {
      const [, n = '0', unit = ''] = /^(\d+)([a-z]*)$/.exec(v) ?? [];
      return Number(n) * (units[unit] ?? bare);
    });

const byteSize = withUnit(sizeUnits, 1, 'must be a size such as 64kb, 1mb or 65536').pipe(
  z
    .number()
    .int()
    .min(1024, 'must be at least 1kb')
    .max(100 * 1024 ** 2, 'must be at most 100mb'),
);

/** Sizes beyond the request limits (what an archive may inflate to): up to 4 GB, the most a ZIP without ZIP64 holds. */
const largeByteSize = withUnit(
  { ...sizeUnits, gb: 1024 ** 3 },
  1,
  'must be a size such as 512mb, 1gb or 536870912',
).pipe(
  z
    .number()
    .int()
    .min(1024, 'must be at least 1kb')
    .max(4 * 1024 ** 3, 'must be at most 4gb'),
);

const duration = withUnit(durationUnits, 1000, 'must be a duration such as 2h, 30m or 7200 (seconds)').pipe(
  z
    .number()
    .int()
    .min(60_000, 'must be at least 1 minute')
    .max(7 * 86_400_000, 'must be at most 7 days'),
);

const livekitUrl = z.url({
  protocol: /^(wss?|https?)$/,
  error: 'must be a ws://, wss://, http:// or https:// URL',
});
const nonEmpty = z.string().trim().min(1, 'must not be empty');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
/** An empty variable (as written by `KEY=` in a .env file) means "unset". */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const perMinute = z.coerce.number().int().min(0).max(1_000_000);
const flag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
/** A browser origin: scheme, host and port, nothing else (a trailing slash is forgiven); normalised as browsers send it. */
const origin = z.string().transform((v, ctx) => {
  const url = URL.canParse(v) ? new URL(v) : undefined;
  const bare = url && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
  if (!url || !bare || !/^https?:$/.test(url.protocol)) {
    ctx.addIssue({
      code: 'custom',
      message: 'each origin must be http(s)://host[:port] with no path, e.g. https://app.example.com',
    });
    return z.NEVER;
  }
  return url.origin;
});
const originList = z
  .string()
  .transform((v) =>
    v
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
  )
  .pipe(z.array(origin));

const EnvSchema = z
  .object({
    PORT: optional(z.coerce.number().int().min(0).max(65_535)).default(3000),
    HOST: optional(nonEmpty).default('127.0.0.1'),
    DATABASE_URL: optional(z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' })),
    PGLITE_DIR: optional(nonEmpty).default('data/pglite'),
    LIVEKIT_URL: optional(livekitUrl).default('ws://127.0.0.1:7880'),
    LIVEKIT_PUBLIC_URL: optional(livekitUrl),
    LIVEKIT_API_KEY: optional(nonEmpty).default('devkey'),
    LIVEKIT_API_SECRET: optional(nonEmpty).default('secret'),
    AGENT_JOIN_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(600_000)).default(5000),
    AGENT_DISPATCH_ATTEMPTS: optional(z.coerce.number().int().min(1).max(20)).default(4),
    LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])).default(
      'info',
    ),
    WEB_DIST_DIR: optional(nonEmpty).default('web/dist'),
    WEB_PUBLIC_DIR: optional(nonEmpty).default('web/public'),
    BODY_LIMIT: optional(byteSize).default(64 * 1024),
    CARD_UPLOAD_LIMIT: optional(byteSize).default(20 * 1024 ** 2),
    ROOM_TOKEN_TTL: optional(duration).default(2 * 3_600_000),
    RATE_LIMIT_PER_MINUTE: optional(perMinute).default(300),
    AUTH_RATE_LIMIT_PER_MINUTE: optional(perMinute).default(20),
    REDIS_URL: optional(
      z
        .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
        .refine((v) => new URL(v).hostname !== '', 'must name a host, e.g. redis://redis:6379'),
    ),
    TRUST_PROXY: optional(trustProxy).default(false),
    CORS_ORIGINS: optional(originList).default([]),
    METRICS_ENABLED: optional(flag).default(true),
    AUTH_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
    AUTH_TOKEN_TTL: optional(duration).default(3_600_000),
    OPERATOR_EMAIL: optional(Email),
    OPERATOR_PASSWORD: optional(Password),
    AVATAR_UPLOAD_LIMIT: optional(byteSize).default(2 * 1024 ** 2),
    BUILDER_RATE_LIMIT_PER_MINUTE: optional(perMinute).default(10),
    OPENAI_API_KEY: optional(nonEmpty),
    OPENAI_BASE_URL: optional(httpUrl),
    LLM_BASE_URL: optional(httpUrl),
    LLM_API_KEY: optional(nonEmpty),
    LLM_MODEL: optional(nonEmpty).default(defaultProviderOptions.llm.model),
    TTS_BASE_URL: optional(httpUrl),
    TTS_API_KEY: optional(nonEmpty),
    TTS_MODEL: optional(nonEmpty).default(defaultProviderOptions.tts.model),
    ELEVENLABS_API_KEY: optional(nonEmpty),
    ELEVENLABS_BASE_URL: optional(httpUrl),
    ELEVENLABS_MODEL: optional(nonEmpty).default(defaultProviderOptions.elevenlabs.model),
    KNOWLEDGE_UPLOAD_LIMIT: optional(byteSize).default(1024 ** 2),
    EMBEDDINGS_BASE_URL: optional(httpUrl),
    EMBEDDINGS_API_KEY: optional(nonEmpty),
    EMBEDDINGS_MODEL: optional(nonEmpty).default('text-embedding-3-small'),
    BROADCAST_SECRET_KEY: optional(secretKey),
    BROADCAST_SECRET_KEY_PREVIOUS: optional(secretKey),
    LIVEKIT_EGRESS_ENABLED: optional(flag).default(false),
    PUBLIC_WEB_URL: optional(httpUrl),
    SHOW_CONTROL_WAIT_MS: optional(z.coerce.number().int().min(0).max(600_000)).default(10_000),
    SHOW_CONTROL_MAX_WAIT_MS: optional(z.coerce.number().int().min(0).max(600_000)).default(60_000),
    SHOW_CONTROL_POLL_MS: optional(z.coerce.number().int().min(10).max(60_000)).default(250),
    SHOW_CONTROL_SEND_ATTEMPTS: optional(z.coerce.number().int().min(1).max(20)).default(5),
    SHOW_CONTROL_RESEND_MS: optional(z.coerce.number().int().min(100).max(60_000)).default(2000),
    SHOW_CONTROL_COMMAND_TTL_MS: optional(z.coerce.number().int().min(1000).max(86_400_000)).default(300_000),
    SHOW_CONTROL_MAX_PENDING: optional(z.coerce.number().int().min(1).max(10_000)).default(50),
    SHOW_CONTROL_WEBHOOK_ATTEMPTS: optional(z.coerce.number().int().min(1).max(20)).default(4),
    SHOW_CONTROL_WEBHOOK_RETRY_MS: optional(z.coerce.number().int().min(0).max(600_000)).default(1000),
    SHOW_CONTROL_WEBHOOK_TIMEOUT_MS: optional(z.coerce.number().int().min(100).max(120_000)).default(5000),
    ANALYTICS_MAX_SESSIONS: optional(z.coerce.number().int().min(1).max(10_000_000)).default(50_000),
    ANALYTICS_MAX_TOPICS: optional(z.coerce.number().int().min(1).max(10_000)).default(100),
    ANALYTICS_MAX_RECENT_SESSIONS: optional(z.coerce.number().int().min(1).max(100_000)).default(500),
    ANALYTICS_CATCH_UP_BATCH: optional(z.coerce.number().int().min(1).max(100_000)).default(100),
    LIBRARY_IMPORT_UPLOAD_LIMIT: optional(byteSize).default(100 * 1024 ** 2),
    LIBRARY_IMPORT_MAX_CARDS: optional(z.coerce.number().int().min(1).max(100_000)).default(1000),
    LIBRARY_IMPORT_MAX_UNCOMPRESSED: optional(largeByteSize).default(512 * 1024 ** 2),
    LIBRARY_IMPORT_MAX_CARD_SIZE: optional(byteSize).default(20 * 1024 ** 2),
    LIBRARY_IMPORT_MAX_RUNNING: optional(z.coerce.number().int().min(1).max(64)).default(2),
    LIBRARY_IMPORT_STALE_AFTER: optional(duration).default(60_000),
  })
  .superRefine((e, ctx) => {
    if ((e.OPERATOR_EMAIL === undefined) === (e.OPERATOR_PASSWORD === undefined)) return;
    const missing = e.OPERATOR_EMAIL === undefined ? 'OPERATOR_EMAIL' : 'OPERATOR_PASSWORD';
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: 'set OPERATOR_EMAIL and OPERATOR_PASSWORD together',
    });
  });

export class ConfigError extends Error {
  constructor(readonly issues: readonly { variable: string; message: string }[]) {
    super(`invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an environment. Pure: no file or process access. Throws ConfigError naming each bad variable. */
export function loadApiConfig(env: Record<string, string | undefined>): ApiConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({
        variable: String(i.path[0] ?? '(environment)'),
        message: i.message,
      })),
    );
  }
  const e = parsed.data;
  const dir = (p: string) => (p.startsWith('memory://') || isAbsolute(p) ? p : resolve(projectRoot, p));
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    pgliteDir: dir(e.PGLITE_DIR),
    livekitUrl: e.LIVEKIT_URL,
    livekitPublicUrl: e.LIVEKIT_PUBLIC_URL ?? e.LIVEKIT_URL,
    livekitApiKey: e.LIVEKIT_API_KEY,
    livekitApiSecret: e.LIVEKIT_API_SECRET,
    agentDispatch: { joinTimeoutMs: e.AGENT_JOIN_TIMEOUT_MS, dispatchAttempts: e.AGENT_DISPATCH_ATTEMPTS },
    logLevel: e.LOG_LEVEL,
    webDistDir: dir(e.WEB_DIST_DIR),
    webPublicDir: dir(e.WEB_PUBLIC_DIR),
    bodyLimitBytes: e.BODY_LIMIT,
    cardUploadLimitBytes: e.CARD_UPLOAD_LIMIT,
    roomTokenTtlMs: e.ROOM_TOKEN_TTL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    redisUrl: e.REDIS_URL,
    trustProxy: e.TRUST_PROXY,
    corsOrigins: e.CORS_ORIGINS,
    metricsEnabled: e.METRICS_ENABLED,
    authSecret: e.AUTH_SECRET ?? deriveAuthSecret(e.LIVEKIT_API_SECRET),
    authSecretSource: e.AUTH_SECRET === undefined ? 'derived' : 'env',
    authTokenTtlMs: e.AUTH_TOKEN_TTL,
    operator:
      e.OPERATOR_EMAIL !== undefined && e.OPERATOR_PASSWORD !== undefined
        ? { email: e.OPERATOR_EMAIL, password: e.OPERATOR_PASSWORD }
        : undefined,
    avatarUploadLimitBytes: e.AVATAR_UPLOAD_LIMIT,
    builderRateLimitPerMinute: e.BUILDER_RATE_LIMIT_PER_MINUTE,
    providers: providerOptions({
      openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL },
      llm: { baseUrl: e.LLM_BASE_URL, apiKey: e.LLM_API_KEY, model: e.LLM_MODEL },
      tts: { baseUrl: e.TTS_BASE_URL, apiKey: e.TTS_API_KEY, model: e.TTS_MODEL },
      elevenlabs: { apiKey: e.ELEVENLABS_API_KEY, baseUrl: e.ELEVENLABS_BASE_URL, model: e.ELEVENLABS_MODEL },
    }),
    knowledgeUploadLimitBytes: e.KNOWLEDGE_UPLOAD_LIMIT,
    embeddings:
      e.EMBEDDINGS_BASE_URL === undefined
        ? undefined
        : { baseUrl: e.EMBEDDINGS_BASE_URL, apiKey: e.EMBEDDINGS_API_KEY, model: e.EMBEDDINGS_MODEL },
    analytics: {
      maxSessions: e.ANALYTICS_MAX_SESSIONS,
      maxTopics: e.ANALYTICS_MAX_TOPICS,
      maxRecentSessions: e.ANALYTICS_MAX_RECENT_SESSIONS,
      catchUpBatchSessions: e.ANALYTICS_CATCH_UP_BATCH,
    },
    broadcast: {
      secretKey: e.BROADCAST_SECRET_KEY ?? deriveBroadcastSecretKey(e.LIVEKIT_API_SECRET),
      secretKeySource: e.BROADCAST_SECRET_KEY === undefined ? 'derived' : 'env',
      previousSecretKey: e.BROADCAST_SECRET_KEY_PREVIOUS,
      egressEnabled: e.LIVEKIT_EGRESS_ENABLED,
      publicWebUrl: (e.PUBLIC_WEB_URL ?? `http://127.0.0.1:${e.PORT || 3000}`).replace(/\/+$/, ''),
    },
    showControl: {
      defaultWaitMs: Math.min(e.SHOW_CONTROL_WAIT_MS, e.SHOW_CONTROL_MAX_WAIT_MS),
      maxWaitMs: e.SHOW_CONTROL_MAX_WAIT_MS,
      pollMs: e.SHOW_CONTROL_POLL_MS,
      sendAttempts: e.SHOW_CONTROL_SEND_ATTEMPTS,
      resendMs: e.SHOW_CONTROL_RESEND_MS,
      commandTtlMs: e.SHOW_CONTROL_COMMAND_TTL_MS,
      maxPending: e.SHOW_CONTROL_MAX_PENDING,
      webhookAttempts: e.SHOW_CONTROL_WEBHOOK_ATTEMPTS,
      webhookRetryMs: e.SHOW_CONTROL_WEBHOOK_RETRY_MS,
      webhookTimeoutMs: e.SHOW_CONTROL_WEBHOOK_TIMEOUT_MS,
    },
    libraryImport: {
      uploadLimitBytes: e.LIBRARY_IMPORT_UPLOAD_LIMIT,
      maxCards: e.LIBRARY_IMPORT_MAX_CARDS,
      maxUncompressedBytes: e.LIBRARY_IMPORT_MAX_UNCOMPRESSED,
      maxCardBytes: e.LIBRARY_IMPORT_MAX_CARD_SIZE,
      maxRunning: e.LIBRARY_IMPORT_MAX_RUNNING,
      staleAfterMs: e.LIBRARY_IMPORT_STALE_AFTER,
    },
  };
}

/**
 * Reads the process environment, after loading `.env` from the project root when one exists
 * (variables already set win). Exits with a message naming the variable when one is malformed.
 */
export function readApiConfigOrExit(): ApiConfig {
  const envFile = resolve(projectRoot, '.env');
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  try {
    return loadApiConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`troupe api: ${err.message}\n`);
    process.exit(1);
  }
}
