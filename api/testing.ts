// Test support for api/ tests: the real app on port 0 against a real database and livekit-server.
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Db, DbKind } from '../db/client.ts';
import { sessionCharacters, sessions } from '../db/schema.ts';
import { Character, type CreateCharacterRequest } from '../protocol/index.ts';
import { testCharacter } from '../protocol/testing.ts';
import { createMigratedTestDatabase, testCharacters } from '../db/testing.ts';
import {
  freePortTriple,
  startLivekitServer,
  type LivekitServerOptions,
  type RunningLivekitServer,
} from '../scripts/livekit-server.ts';
import { signIn, signUp, type SignedUp } from '../test/support/auth.ts';
import { loadApiConfig, type ApiConfig } from './config.ts';
import { redactPaths } from './logger.ts';
import { startApi, type RunningApi, type StartApiOptions } from './server.ts';

/** Every log line the app wrote, as raw JSON text and parsed. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  get records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export interface TestApi extends RunningApi {
  config: ApiConfig;
  logs: LogCapture;
  /** Closes the app and drops its database. */
  stop(): Promise<void>;
}

/** Starts the API in-process on 127.0.0.1:0 with a fresh database seeded with testCharacters. */
export async function startTestApi(
  kind: DbKind,
  env: Record<string, string> = {},
  opts: Partial<Pick<StartApiOptions, 'clock' | 'rateLimitKeyPrefix'>> = {},
): Promise<TestApi> {
  const target = await createMigratedTestDatabase(kind);
  const config = loadApiConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    PGLITE_DIR: target.pgliteDir,
    ...(target.databaseUrl ? { DATABASE_URL: target.databaseUrl } : {}),
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs = new LogCapture();
  const logger = pino({ level: 'debug', redact: { paths: redactPaths, censor: '[redacted]' } }, logs.stream);
  let api: RunningApi;
  try {
    api = await startApi(config, { logger, characters: testCharacters, shutdownGraceMs: 1000, ...opts });
  } catch (err) {
    await target.drop();
    throw err;
  }
  return {
    ...api,
    config,
    logs,
    stop: async () => {
      await api.close();
      await target.drop();
    },
  };
}

/**
 * The API started again on `api`'s database and settings, silent, as a restarted process would be:
 * for tests that close `api` and read what the next process makes of what the first left behind.
 */
export function restartTestApi(api: TestApi): Promise<RunningApi> {
  return startApi(api.config, {
    logger: pino({ level: 'silent' }),
    characters: testCharacters,
    shutdownGraceMs: 1000,
  });
}

/** A port p where TCP p and p+1 and UDP p+2 are free: livekit-server's HTTP, ICE/TCP and UDP ports. */
export const findLivekitPorts = freePortTriple;

/**
 * Starts a real livekit-server on free ports. Fails (never skips) with a message naming
 * livekit-server when it is not installed or does not start.
 */
export async function startTestLivekit(
  opts: Partial<Pick<LivekitServerOptions, 'webhookUrls'>> = {},
): Promise<RunningLivekitServer> {
  const port = await findLivekitPorts();
  try {
    // A distinctive secret, so tests can prove it never reaches a log line or a response.
    const apiSecret = `test-secret-${randomBytes(16).toString('hex')}`;
    return await startLivekitServer({ port, stdio: 'ignore', apiKey: 'testkey', apiSecret, ...opts });
  } catch (err) {
    throw new Error(
      `livekit-server is required for these tests and did not start on port ${port}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/**
 * One livekit-server for a whole test file: started before its first test and stopped after its
 * last. Call it at the top level of the file; read the fields inside hooks and tests.
 */
export function useTestLivekit(): RunningLivekitServer {
  let server: RunningLivekitServer | undefined;
  beforeAll(async () => {
    server = await startTestLivekit();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const running = (): RunningLivekitServer => {
    if (!server) throw new Error('livekit-server is not started yet: read it inside a hook or a test');
    return server;
  };
  return {
    get url() {
      return running().url;
    },
    get apiKey() {
      return running().apiKey;
    },
    get apiSecret() {
      return running().apiSecret;
    },
    get process() {
      return running().process;
    },
    stop: () => running().stop(),
  };
}

/** The API's settings for talking to `livekit`: its URL and its API key and secret. */
export function livekitEnv(livekit: Pick<RunningLivekitServer, 'url' | 'apiKey' | 'apiSecret'>) {
  return { LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: livekit.apiKey, LIVEKIT_API_SECRET: livekit.apiSecret };
}

/** Rate limits off, for tests that send more requests a minute than the defaults allow. */
const noRateLimits = { RATE_LIMIT_PER_MINUTE: '0', AUTH_RATE_LIMIT_PER_MINUTE: '0' };

/** An account that the API makes an operator at start-up. */
export interface OperatorLogin {
  email: string;
  password: string;
}

/** The API's settings that make `operator` an operator. */
export function operatorEnv(operator: OperatorLogin) {
  return { OPERATOR_EMAIL: operator.email, OPERATOR_PASSWORD: operator.password };
}

/** Two fresh accounts, and the operator (started with operatorEnv) signed in. */
export async function signUpWithOperator(
  apiUrl: string,
  login: OperatorLogin,
): Promise<{ ann: SignedUp; ben: SignedUp; operator: SignedUp }> {
  const [ann, ben] = await Promise.all([signUp(apiUrl), signUp(apiUrl)]);
  const operator = await signIn(apiUrl, login.email, login.password);
  return { ann, ben, operator };
}

/**
 * Starts the API with `login` as its operator and rate limits off, then signs up two fresh
 * accounts and signs the operator in.
 */
export async function startTestApiWithOperator(
  kind: DbKind,
  login: OperatorLogin,
): Promise<{ api: TestApi; ann: SignedUp; ben: SignedUp; operator: SignedUp }> {
  const api = await startTestApi(kind, { ...operatorEnv(login), ...noRateLimits });
  try {
    return { api, ...(await signUpWithOperator(api.url, login)) };
  } catch (err) {
    await api.stop();
    throw err;
  }
}

export interface SendOptions {
  method?: string;
  /** An object is sent as JSON; a string is sent verbatim. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** A fetch with JSON defaults; resolves with the status, headers and parsed JSON body (if any). */
export async function send(
  baseUrl: string,
  path: string,
  opts: SendOptions = {},
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (typeof opts.body === 'string') body = opts.body;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${path}`, {
    method: opts.method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A minimal valid character for create requests, as an older client sends it (no builder fields). */
export function characterInput(name: string, visibility?: 'private' | 'public'): CreateCharacterRequest {
  const { id: _id, builtIn: _builtIn, ...input } = testCharacter({ name });
  return { ...input, ...(visibility ? { visibility } : {}) };
}

/** Creates characterInput(name, visibility) as `who`; the API must answer 201 with the character. */
export async function createCharacter(
  apiUrl: string,
  who: { headers: Record<string, string> },
  name: string,
  visibility?: 'private' | 'public',
): Promise<Character> {
  const res = await send(apiUrl, '/api/characters', {
    body: characterInput(name, visibility),
    headers: who.headers,
  });
  expect(res.status, res.text).toBe(201);
  return Character.parse(res.body);
}

/**
 * A session row as POST /api/sessions writes it (character `test-ada`), inserted directly so a
 * test of what happens to sessions needs no sign-in and no room token.
 */
export async function insertSession(
  db: Db,
  ownerId: string,
  callerIdentity = 'caller-test',
): Promise<{ id: string; room: string }> {
  const id = randomUUID();
  const room = `call-${id}`;
  await db.insert(sessions).values({
    id,
    mode: 'call',
    characterId: 'test-ada',
    ownerId,
    roomName: room,
    callerIdentity,
    callerName: 'Caller',
  });
  return { id, room };
}

/**
 * A session as insertSession writes it, then made at `createdAt` with `characters` in order (a
 * group when there are several) and the columns in `set`: a session from the past, for listings.
 */
export async function insertPastSession(
  db: Db,
  ownerId: string,
  s: { characters: readonly string[]; createdAt: string; set?: Partial<typeof sessions.$inferInsert> },
): Promise<string> {
  const { id } = await insertSession(db, ownerId);
  await db
    .update(sessions)
    .set({
      characterId: s.characters[0]!,
      mode: s.characters.length > 1 ? 'group' : 'call',
      createdAt: new Date(s.createdAt),
      ...s.set,
    })
    .where(eq(sessions.id, id));
  await db.delete(sessionCharacters).where(eq(sessionCharacters.sessionId, id));
  await db
    .insert(sessionCharacters)
    .values(s.characters.map((characterId, position) => ({ sessionId: id, characterId, position })));
  return id;
}
