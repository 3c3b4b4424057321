import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CreateSessionRequest,
  CreateSessionResponse,
  ErrorBody,
  SessionDetail,
} from '../../protocol/index.ts';
import { LivekitWebhookEvent } from '../../protocol/webhooks.ts';
import { EndSessionRequest } from '../routes/sessions.ts';
import { send, startTestApi, type TestApi } from '../testing.ts';
import { apiOperations } from './operations.ts';

interface Operation {
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: unknown }> }>;
  parameters?: { name: string; in: string }[];
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

/** What zod itself says the JSON Schema is, as OpenAPI 3.1 embeds it (no `$schema` per schema). */
function zodJsonSchema(schema: z.ZodType, io: 'input' | 'output'): unknown {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
  return rest;
}

describe('OpenAPI document and docs page', () => {
  let api: TestApi;
  let doc: Document;
  beforeAll(async () => {
    api = await startTestApi('pglite');
    const res = await send(api.url, '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = JSON.parse(res.text) as Document;
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('when served, then it is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(
      structuredClone(doc) as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('when served, then it covers health, characters, sessions, the webhook, metrics and itself', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /api/characters',
        'GET /api/characters/{id}',
        'POST /api/sessions',
        'GET /api/sessions/{id}',
        'POST /api/sessions/{id}/end',
        'POST /api/livekit/webhook',
        'GET /api/openapi.json',
        'GET /api/docs',
        'GET /metrics',
      ]),
    );
  });

  it("when a path takes a body, then its request schema is exactly the zod schema's JSON Schema", () => {
    const expected: Record<string, [string, z.ZodType]> = {
      'post /api/sessions': ['application/json', CreateSessionRequest],
      'post /api/sessions/{id}/end': ['application/json', EndSessionRequest],
      'post /api/livekit/webhook': ['application/webhook+json', LivekitWebhookEvent],
    };
    const withBodies = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.requestBody)
        .map(([method, op]) => [`${method} ${path}`, op] as const),
    );
    for (const [key, [contentType, schema]] of Object.entries(expected)) {
      const op = withBodies.find(([k]) => k === key)?.[1];
      expect(op?.requestBody?.content[contentType]?.schema, key).toEqual(zodJsonSchema(schema, 'input'));
    }
    // Every other documented body (routes added later) matches the schema its registry entry names.
    for (const op of apiOperations()) {
      if (!op.body) continue;
      const path = op.path.replace(/:(\w+)/g, '{$1}');
      const served =
        doc.paths[path]?.[op.method]?.requestBody?.content[op.body.contentType ?? 'application/json'];
      expect(served?.schema, `${op.method} ${path}`).toEqual(zodJsonSchema(op.body.schema, 'input'));
    }
  });

  it("when a path answers JSON, then its response schema is the zod schema's, and every error is the ErrorBody shape", () => {
    expect(doc.paths['/api/sessions']?.post?.responses['201']?.content?.['application/json']?.schema).toEqual(
      zodJsonSchema(CreateSessionResponse, 'output'),
    );
    expect(
      doc.paths['/api/sessions/{id}']?.get?.responses['200']?.content?.['application/json']?.schema,
    ).toEqual(zodJsonSchema(SessionDetail, 'output'));
    expect(doc.components.schemas.ErrorBody).toEqual(zodJsonSchema(ErrorBody, 'output'));
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        for (const [status, response] of Object.entries(op.responses)) {
          if (status !== 'default' && Number(status) < 400) continue;
          expect(response.content?.['application/json']?.schema, `${method} ${path} ${status}`).toEqual({
            $ref: '#/components/schemas/ErrorBody',
          });
        }
  });

  it('when a path has {parameters}, then each is declared as a path parameter', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(ops))
        expect(
          (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
          `${method} ${path}`,
        ).toEqual(names);
    }
  });

  it('when each documented operation is called, then a route answers it (the document names no path the API lacks)', async () => {
    for (const [path, ops] of Object.entries(doc.paths))
      for (const method of Object.keys(ops)) {
        const url = path.replace(
          '{id}',
          path.startsWith('/api/characters') ? 'test-ada' : crypto.randomUUID(),
        );
        const res = await send(api.url, url, {
          method: method.toUpperCase(),
          headers: { accept: 'application/json' },
          ...(method === 'post' ? { body: {} } : {}),
        });
        const message = (res.body as { error?: { message?: string } } | undefined)?.error?.message ?? '';
        expect(message, `${method} ${path}`).not.toMatch(/^no route for/);
        expect(res.status, `${method} ${path}`).toBeLessThan(500);
      }
  });

  it('when /api/docs is opened, then the page loads its renderer from the API itself, never from elsewhere', async () => {
    const page = await send(api.url, '/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const refs = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      expect(ref).toMatch(/^\/api\/docs\//);
      const asset = await send(api.url, ref);
      expect(asset.status, ref).toBe(200);
    }
    const init = await send(api.url, '/api/docs/init.js');
    expect(init.text).toContain("url: '/api/openapi.json'");
    // Swagger UI would otherwise post the document to validator.swagger.io.
    expect(init.text).toContain('validatorUrl: null');
  });

  it('when another file of the renderer package is asked for, then it is not served', async () => {
    for (const path of ['/api/docs/index.html', '/api/docs/package.json', '/api/docs/..%2Fpackage.json'])
      expect((await send(api.url, path)).status, path).toBe(404);
  });
});
