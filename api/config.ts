import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { Email, Password } from '../protocol/auth.ts';

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

const byteSize = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^\d+(b|kb|mb)?$/, 'must be a size such as 64kb, 1mb or 65536')
  .transform((v) => {
    const [, n = '0', unit = 'b'] = /^(\d+)([a-z]*)$/.exec(v) ?? [];
    return Number(n) * (sizeUnits[unit] ?? 1);
  })
  .pipe(
    z
      .number()
      .int()
      .min(1024, 'must be at least 1kb')
      .max(100 * 1024 ** 2, 'must be at most 100mb'),
  );

const duration = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^\d+(s|m|h|d)?$/, 'must be a duration such as 2h, 30m or 7200 (seconds)')
  .transform((v) => {
    const [, n = '0', unit = 's'] = /^(\d+)([a-z]*)$/.exec(v) ?? [];
    return Number(n) * (durationUnits[unit] ?? 1000);
  })
  .pipe(
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
    CORS_ORIGINS: optional(originList).default([]),
    METRICS_ENABLED: optional(flag).default(true),
    AUTH_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
    AUTH_TOKEN_TTL: optional(duration).default(3_600_000),
    OPERATOR_EMAIL: optional(Email),
    OPERATOR_PASSWORD: optional(Password),
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
    logLevel: e.LOG_LEVEL,
    webDistDir: dir(e.WEB_DIST_DIR),
    webPublicDir: dir(e.WEB_PUBLIC_DIR),
    bodyLimitBytes: e.BODY_LIMIT,
    cardUploadLimitBytes: e.CARD_UPLOAD_LIMIT,
    roomTokenTtlMs: e.ROOM_TOKEN_TTL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    corsOrigins: e.CORS_ORIGINS,
    metricsEnabled: e.METRICS_ENABLED,
    authSecret: e.AUTH_SECRET ?? deriveAuthSecret(e.LIVEKIT_API_SECRET),
    authSecretSource: e.AUTH_SECRET === undefined ? 'derived' : 'env',
    authTokenTtlMs: e.AUTH_TOKEN_TTL,
    operator:
      e.OPERATOR_EMAIL !== undefined && e.OPERATOR_PASSWORD !== undefined
        ? { email: e.OPERATOR_EMAIL, password: e.OPERATOR_PASSWORD }
        : undefined,
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
