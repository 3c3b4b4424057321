// Property-based fuzzing of every documented endpoint that takes a body: arbitrary JSON values and
// arbitrary bytes under various content types, sent by a signed-in account. Whatever comes in, the
// API answers below 500, every 4xx is the JSON error shape, and the server keeps answering.
// The endpoint list comes from the OpenAPI operations, so a new endpoint is fuzzed without an edit here.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import { ErrorBody } from '../protocol/index.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { createCallSession } from '../test/support/sessions.ts';
import { apiOperations } from './openapi/operations.ts';
import type { ApiOperation } from './openapi/registry.ts';
import { createCharacter, send, startTestApi, type TestApi } from './testing.ts';

// A fixed seed, so that a failure reproduces; few runs per endpoint, so the suite stays well under a minute.
const SEED = 0xf22;
const RUNS = 15;

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/webhook+json',
  'text/plain',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'image/png',
  'application/zip',
  undefined,
] as const;

const withBodies: ApiOperation[] = apiOperations().filter((op) => op.body !== undefined);

describe.each(dbKinds)('request bodies fuzzed against %s', (kind) => {
  let api: TestApi;
  let caller: SignedUp;
  let sessionId: string;
  let characterId: string;

  beforeAll(async () => {
    api = await startTestApi(kind, {
      // Nothing listens on port 9: no request may depend on LiveKit answering.
      LIVEKIT_URL: 'ws://127.0.0.1:9',
      RATE_LIMIT_PER_MINUTE: '0',
      AUTH_RATE_LIMIT_PER_MINUTE: '0',
    });
    caller = await signUp(api.url);
    sessionId = (await createCallSession(api.url, caller, 'test-ada')).sessionId;
    characterId = (await createCharacter(api.url, caller, 'Fuzzed')).id;
  });
  afterAll(async () => {
    await api?.stop();
  });

  /** The operation's path with real ids: the caller's session and character, so handlers get past lookups. */
  function pathOf(op: ApiOperation): string {
    return op.path.replace(/:(\w+)/g, (_m, name: string) => {
      if (name === 'id') return op.path.startsWith('/api/sessions') ? sessionId : characterId;
      if (name === 'ownerId') return caller.user.id;
      if (name === 'inviteId') return randomUUID();
      return 'fuzz';
    });
  }

  async function expectWellFormed(res: Response, what: string): Promise<void> {
    const text = await res.text();
    expect(res.status, `${what}: ${text}`).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.headers.get('content-type'), what).toMatch(/^application\/json/);
      expect(() => ErrorBody.parse(JSON.parse(text)), `${what}: ${text}`).not.toThrow();
    }
  }

  it('when the body endpoints are listed, then there are enough of them to be worth fuzzing', () => {
    expect(withBodies.length).toBeGreaterThanOrEqual(8);
  });

  it.each(withBodies.map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))(
    'when %s gets arbitrary JSON and arbitrary bytes, then it never answers 500 and errors keep their shape',
    async (what, op) => {
      const url = `${api.url}${pathOf(op)}`;
      const method = op.method.toUpperCase();
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
          const res = await fetch(url, {
            method,
            headers: { 'content-type': 'application/json', ...caller.headers },
            body: JSON.stringify(value) ?? 'null',
          });
          await expectWellFormed(res, `${what} with ${JSON.stringify(value)?.slice(0, 200)}`);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 512 }),
          fc.constantFrom(...CONTENT_TYPES),
          async (bytes, contentType) => {
            const res = await fetch(url, {
              method,
              headers: { ...(contentType ? { 'content-type': contentType } : {}), ...caller.headers },
              body: bytes,
            });
            await expectWellFormed(res, `${what} with ${bytes.length} bytes as ${contentType ?? 'no type'}`);
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
      expect((await send(api.url, '/healthz')).status).toBe(200);
    },
    60_000,
  );
});
