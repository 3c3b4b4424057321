import { z } from 'zod';
import type { ApiOperation } from '../openapi/registry.ts';

export const metricsOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (when METRICS_ENABLED)',
    tag: 'operations',
    rateLimited: false,
    responses: {
      200: {
        description: 'Process metrics and http_request_duration_seconds',
        schema: z.string(),
        contentType: 'text/plain; version=0.0.4',
      },
    },
  },
];
