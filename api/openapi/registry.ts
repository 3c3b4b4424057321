import { z } from 'zod';
import { ErrorBody } from '../../protocol/index.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A JSON Schema (draft 2020-12, which OpenAPI 3.1 uses as is). */
export type JsonSchema = Record<string, unknown>;

export interface ResponseSpec {
  description: string;
  /** The body; none for an empty response. */
  schema?: z.ZodType;
  /** @defaultValue 'application/json' */
  contentType?: string;
  /** Further media types the same status may answer with (a `?format=` the client asked for). @defaultValue {} */
  alsoContent?: Record<string, z.ZodType>;
}

/**
 * One endpoint, described by the zod schemas the route itself parses and answers with. Each
 * `api/routes/<name>.ts` keeps its operations in `api/routes/<name>.openapi.ts`, listed in
 * `api/openapi/operations.ts`.
 */
export interface ApiOperation {
  method: HttpMethod;
  /** The Express path, e.g. `/api/sessions/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Path parameters: a zod object whose keys are the `:names` in `path`. */
  params?: z.ZodObject;
  /** Query parameters: a zod object; a key whose schema accepts undefined is optional. */
  query?: z.ZodObject;
  body?: {
    schema: z.ZodType;
    /** @defaultValue 'application/json' */
    contentType?: string;
    /** Further media types the same body may be sent as (e.g. a file in several formats). @defaultValue [] */
    alsoContentTypes?: string[];
    /** @defaultValue true */
    required?: boolean;
    description?: string;
  };
  /** Success responses by status code. */
  responses: Record<number, ResponseSpec>;
  /** Error responses by status code, each in the ErrorBody shape. */
  errors?: Record<number, string>;
  /** Counted by the API's rate limit, so it may answer 429. @defaultValue true */
  rateLimited?: boolean;
  /** A name from `securitySchemes`. @defaultValue none */
  security?: keyof typeof securitySchemes;
}

export const securitySchemes = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'A token from `POST /api/auth/signin` or `/signup`, or an API key from `POST /api/keys` (`trp_…`).',
  },
  livekitWebhook: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'A JWT issued by the LiveKit API key and signed with its secret, whose `sha256` claim is the ' +
      'base64 SHA-256 of the body. livekit-server sends it with every webhook.',
  },
} as const;

/**
 * The JSON Schema of a zod schema as OpenAPI embeds it: `io: 'input'` for what a client sends (before
 * defaults and transforms), `'output'` for what the API answers.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** `/api/sessions/:id` → `/api/sessions/{id}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:(\w+)/g, '{$1}');
}

export interface DocumentInfo {
  title: string;
  version: string;
  description?: string;
}

const errorRef = { $ref: '#/components/schemas/ErrorBody' };
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorRef } },
});

/** An OpenAPI 3.1 document of the operations. */
export function openApiDocument(operations: readonly ApiOperation[], info: DocumentInfo) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const path = openApiPath(op.path);
    if (paths[path]?.[op.method]) throw new Error(`operation ${op.method} ${path} is described twice`);
    (paths[path] ??= {})[op.method] = operationObject(op);
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { ErrorBody: jsonSchemaOf(ErrorBody, 'output') },
      securitySchemes,
    },
  };
}

function operationObject(op: ApiOperation): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.responses)) {
    responses[status] = {
      description: r.description,
      ...(r.schema
        ? {
            content: Object.fromEntries(
              Object.entries({ [r.contentType ?? 'application/json']: r.schema, ...r.alsoContent }).map(
                ([type, schema]) => [type, { schema: jsonSchemaOf(schema, 'output') }],
              ),
            ),
          }
        : {}),
    };
  }
  for (const [status, description] of Object.entries(op.errors ?? {}))
    responses[status] = errorResponse(description);
  if (op.rateLimited ?? true)
    responses['429'] = errorResponse('Too many requests; the Retry-After header says when to retry');
  responses.default = errorResponse('Any other error, in the same shape');
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    ...(op.params || op.query
      ? { parameters: [...pathParameters(op.params), ...queryParameters(op.query)] }
      : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body.required ?? true,
            ...(op.body.description ? { description: op.body.description } : {}),
            content: Object.fromEntries(
              [op.body.contentType ?? 'application/json', ...(op.body.alsoContentTypes ?? [])].map((type) => [
                type,
                { schema: jsonSchemaOf(op.body!.schema, 'input') },
              ]),
            ),
          },
        }
      : {}),
    ...(op.security ? { security: [{ [op.security]: [] }] } : {}),
    responses,
  };
}

function queryParameters(query: z.ZodObject | undefined): unknown[] {
  return Object.entries(query?.shape ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: !schema.safeParse(undefined).success,
    ...(schema.description ? { description: schema.description } : {}),
    schema: jsonSchemaOf(schema, 'input'),
  }));
}

function pathParameters(params: z.ZodObject | undefined): unknown[] {
  return Object.entries(params?.shape ?? {}).map(([name, schema]) => ({
    name,
    in: 'path',
    required: true,
    ...(schema.description ? { description: schema.description } : {}),
    schema: jsonSchemaOf(schema, 'input'),
  }));
}
