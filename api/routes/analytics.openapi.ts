import { z } from 'zod';
import { Analytics, AnalyticsQuery, CharacterId } from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { characterNotVisible, notSignedIn } from './shared.openapi.ts';

const errors = {
  400: 'An unknown or malformed parameter, from not before to, or a range over 366 days',
  ...notSignedIn,
};

export const analyticsOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/analytics/me',
    operationId: 'myAnalytics',
    summary: "Usage and latency of the caller's sessions in a range (default: the last 30 days)",
    tag: 'analytics',
    query: AnalyticsQuery,
    responses: { 200: { description: 'The figures', schema: Analytics } },
    errors,
    security: 'bearer',
  },
  {
    method: 'get',
    path: '/api/analytics/characters/:id',
    operationId: 'characterAnalytics',
    summary: 'Usage and latency of the sessions a character was in',
    description:
      "Its owner and operators see every session with it; anyone else, for a built-in or public character, their own sessions with it. Replies, interruptions and latencies are the character's own.",
    tag: 'analytics',
    params: z.object({ id: CharacterId.describe('The character id') }),
    query: AnalyticsQuery,
    responses: { 200: { description: 'The figures', schema: Analytics } },
    errors: { ...errors, ...characterNotVisible },
    security: 'bearer',
  },
  {
    method: 'get',
    path: '/api/analytics/owners/:ownerId',
    operationId: 'ownerAnalytics',
    summary: "Operators: usage and latency of one account's sessions",
    tag: 'analytics',
    params: z.object({ ownerId: z.uuid().describe('The account id') }),
    query: AnalyticsQuery,
    responses: { 200: { description: 'The figures', schema: Analytics } },
    errors: { ...errors, 403: 'Not an operator', 404: 'Not an account id' },
    security: 'bearer',
  },
];
