import { HealthStatus } from '../../protocol/health.ts';
import type { ApiOperation } from '../openapi/registry.ts';

export const healthOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness and database check',
    tag: 'operations',
    rateLimited: false,
    responses: { 200: { description: 'The database answers a query', schema: HealthStatus } },
    errors: { 503: 'The database is not answering' },
  },
];
