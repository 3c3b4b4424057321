import { z } from 'zod';
import type { ApiOperation } from '../openapi/registry.ts';

export const docsOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tag: 'docs',
    responses: {
      200: { description: 'An OpenAPI 3.1 document', schema: z.record(z.string(), z.unknown()) },
    },
  },
  {
    method: 'get',
    path: '/api/docs',
    operationId: 'getApiDocsPage',
    summary: 'A page that renders this document (Swagger UI, served by the API)',
    tag: 'docs',
    responses: { 200: { description: 'An HTML page', schema: z.string(), contentType: 'text/html' } },
  },
];
