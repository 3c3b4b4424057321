import { z } from 'zod';
import {
  Analytics,
  AnalyticsQuery,
  CharacterEngagement,
  CharacterId,
  ENGAGEMENT_CSV_COLUMNS,
  EngagementQuery,
  SessionEngagementDetail,
} from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { characterNotVisible, notSignedIn, sessionIdParams } from './shared.openapi.ts';

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
  {
    method: 'get',
    path: '/api/analytics/characters/:id/engagement',
    operationId: 'characterEngagement',
    summary: 'How a character lands with people: sentiment, engagement, return rate and top topics',
    description:
      "Same scope as the character's analytics. Sentiment is of people's turns only (AFINN-165 lexicon); " +
      'a follow-up is a person turn right after a reply of the character, starting within 30 s of its end; ' +
      'the return rate is the share of accounts with more than one session in the range. ' +
      '`?format=csv` answers every session of the range as a CSV row instead (text/csv, an attachment).',
    tag: 'analytics',
    params: z.object({ id: CharacterId.describe('The character id') }),
    query: EngagementQuery,
    responses: {
      200: {
        description: 'The figures, or the per-session CSV',
        schema: CharacterEngagement,
        alsoContent: {
          'text/csv': z
            .string()
            .describe(
              `A header row (${ENGAGEMENT_CSV_COLUMNS.join(',')}), then a row per session, oldest first`,
            ),
        },
      },
    },
    errors: {
      ...errors,
      400: `${errors[400]}, topics or sessions over their limits (ANALYTICS_MAX_TOPICS, ANALYTICS_MAX_RECENT_SESSIONS), or more sessions than ANALYTICS_MAX_SESSIONS`,
      ...characterNotVisible,
    },
    security: 'bearer',
  },
  {
    method: 'get',
    path: '/api/analytics/sessions/:id/engagement',
    operationId: 'sessionEngagement',
    summary: "One session's engagement, with each character's share and the topics people raised",
    description: "For the session's owner and operators, as the session itself.",
    tag: 'analytics',
    params: sessionIdParams,
    responses: { 200: { description: 'The figures', schema: SessionEngagementDetail } },
    errors: {
      400: 'A query parameter (none is taken)',
      ...notSignedIn,
      404: 'No such session, or not visible to the caller',
    },
    security: 'bearer',
  },
];
