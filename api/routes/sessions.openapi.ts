import {
  CreateSessionRequest,
  CreateSessionResponse,
  SessionDetail,
  SessionList,
  SessionListQuery,
} from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { EndSessionRequest } from './sessions.ts';
import { bodyErrors, emptyBody, emptyBodyErrors, notSignedIn, sessionIdParams } from './shared.openapi.ts';

/** A session of someone else's answers as if it did not exist. */
const notYours = { ...notSignedIn, 404: 'No such session, or not yours' };

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
    errors: { ...bodyErrors, ...notSignedIn, 404: 'No such character' },
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
      ...notSignedIn,
      403: 'ownerId names another account and the caller is not an operator',
    },
  },
  {
    method: 'get',
    path: '/api/sessions/:id',
    operationId: 'getSession',
    summary: 'A session with its transcript and per-turn metrics',
    tag: 'sessions',
    params: sessionIdParams,
    responses: { 200: { description: 'The session', schema: SessionDetail } },
    errors: notYours,
  },
  {
    method: 'post',
    path: '/api/sessions/:id/end',
    operationId: 'endSession',
    summary: 'End a call: closes its room and records the duration (the first end wins)',
    tag: 'sessions',
    params: sessionIdParams,
    body: emptyBody(EndSessionRequest),
    responses: { 200: { description: 'The ended session', schema: SessionDetail } },
    errors: { ...emptyBodyErrors, ...notYours },
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
    params: sessionIdParams,
    body: emptyBody(EndSessionRequest),
    responses: { 200: { description: 'The session, waiting for its agent again', schema: SessionDetail } },
    errors: { ...emptyBodyErrors, ...notYours, 409: 'The session has ended' },
  },
];
