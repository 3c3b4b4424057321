import { z } from 'zod';
import {
  CreateSessionRequest,
  CreateSessionResponse,
  SessionDetail,
  SessionList,
  SessionListQuery,
} from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { EndSessionRequest } from './sessions.ts';

const sessionId = z.object({ id: z.uuid().describe('The session id') });

export const sessionOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/sessions',
    operationId: 'createSession',
    summary: 'Start a call: stores the session and returns a room token that dispatches the character',
    tag: 'sessions',
    body: { schema: CreateSessionRequest },
    responses: {
      201: { description: 'The session and how to join its room', schema: CreateSessionResponse },
    },
    errors: {
      400: 'The body is not valid JSON or fails the schema',
      401: 'Not signed in',
      404: 'No such character',
      413: 'The body is larger than BODY_LIMIT',
      415: 'The body is not application/json',
    },
  },
  {
    method: 'get',
    path: '/api/sessions',
    operationId: 'listSessions',
    summary: "The caller's sessions, newest first, filtered and paged (operators may name an owner)",
    description:
      'Keyset pages: pass `nextCursor` back as `cursor` for the next page. `q` searches the transcripts. ' +
      'Unknown parameters are a 400 naming them.',
    tag: 'sessions',
    query: SessionListQuery,
    responses: { 200: { description: 'One page of sessions, without transcripts', schema: SessionList } },
    errors: {
      400: 'An unknown or malformed parameter, or from not before to',
      401: 'Not signed in',
      403: 'ownerId names another account and the caller is not an operator',
    },
  },
  {
    method: 'get',
    path: '/api/sessions/:id',
    operationId: 'getSession',
    summary: 'A session with its transcript and per-turn metrics',
    tag: 'sessions',
    params: sessionId,
    responses: { 200: { description: 'The session', schema: SessionDetail } },
    errors: { 401: 'Not signed in', 404: 'No such session, or not yours' },
  },
  {
    method: 'post',
    path: '/api/sessions/:id/end',
    operationId: 'endSession',
    summary: 'End a call: closes its room and records the duration (the first end wins)',
    tag: 'sessions',
    params: sessionId,
    body: { schema: EndSessionRequest, required: false, description: 'No body, or an empty object' },
    responses: { 200: { description: 'The ended session', schema: SessionDetail } },
    errors: {
      400: 'A body that is not an empty object',
      401: 'Not signed in',
      404: 'No such session, or not yours',
    },
  },
  {
    method: 'post',
    path: '/api/sessions/:id/retry',
    operationId: 'retrySessionAgent',
    summary: "Dispatch the session's agent again, after it failed for want of one (the Retry button)",
    description:
      'The API confirms every dispatch: a session whose agent has not joined within AGENT_JOIN_TIMEOUT_MS is ' +
      'dispatched again with backoff, and after AGENT_DISPATCH_ATTEMPTS becomes `failed` with `agent.reason`. ' +
      'This starts the wait over.',
    tag: 'sessions',
    params: sessionId,
    body: { schema: EndSessionRequest, required: false, description: 'No body, or an empty object' },
    responses: { 200: { description: 'The session, waiting for its agent again', schema: SessionDetail } },
    errors: {
      400: 'A body that is not an empty object',
      401: 'Not signed in',
      404: 'No such session, or not yours',
      409: 'The session has ended',
    },
  },
];
