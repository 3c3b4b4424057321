import { z } from 'zod';
import {
  ShowCommand,
  ShowControlRequest,
  ShowControlWebhook,
  ShowControlWebhookRequest,
} from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { ShowControlQuery } from './show-control.ts';
import { bodyErrors, notSignedIn } from './shared.openapi.ts';

const broadcastId = z.object({ id: z.uuid().describe('The broadcast id') });
const commandParams = broadcastId.extend({ commandId: z.uuid().describe('The command id') });
const common = { ...notSignedIn, 404: 'No such broadcast, or not yours' };
const sessionId = z.object({ id: z.uuid().describe('The group session id') });
const sessionCommandParams = sessionId.extend({ commandId: z.uuid().describe('The command id') });

export const showControlOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/broadcasts/:id/control',
    operationId: 'controlBroadcast',
    summary: 'Show control: have a character say or answer something, gesture, take the stage, or a topic',
    description:
      'One action per request. `say` and a speaking `prompt` wait for the floor (never over a person ' +
      'talking; `say` `when: now` cuts off a character who is speaking); gestures, switches and topics ' +
      'take effect at the next chance. The answer is 200 with the outcome (`spoken`, `dropped` with a ' +
      '`reason`, `moderated`, `done`; `text` for what was said or answered) when it arrives within ' +
      '`waitMs` (body or query; default SHOW_CONTROL_WAIT_MS, at most SHOW_CONTROL_MAX_WAIT_MS), else ' +
      '202 with outcome `pending`: read it later with GET, or receive it on the webhook. The owner and ' +
      'operators may control a broadcast.',
    tag: 'broadcasts',
    params: broadcastId,
    query: ShowControlQuery,
    body: { schema: ShowControlRequest },
    responses: {
      200: { description: 'The command and its outcome', schema: ShowCommand },
      202: { description: 'The command, still `pending` when the wait ran out', schema: ShowCommand },
    },
    errors: {
      ...bodyErrors,
      400: 'The body is not one valid action, `waitMs` is too long, or the character is not in the cast',
      ...common,
      409: 'The broadcast is not on air, or its characters have not joined yet',
      429: 'Too many commands of this broadcast are unfinished (SHOW_CONTROL_MAX_PENDING)',
      503: 'LiveKit did not take the command',
    },
  },
  {
    method: 'get',
    path: '/api/broadcasts/:id/control/:commandId',
    operationId: 'getBroadcastCommand',
    summary: 'A show-control command and what became of it (`pending` until the show answers)',
    tag: 'broadcasts',
    params: commandParams,
    responses: { 200: { description: 'The command', schema: ShowCommand } },
    errors: { ...notSignedIn, 404: 'No such broadcast or command, or not yours' },
  },
  {
    method: 'post',
    path: '/api/sessions/:id/control',
    operationId: 'controlSession',
    summary: 'Show control of a running group session: have a character say or answer something, or a topic',
    description:
      'The same commands, outcomes and waits as `POST /api/broadcasts/:id/control`, for a group ' +
      'session that is not a broadcast: `say`, `prompt` and `topic` (a group call has no stage: ' +
      '`expression`, `motion` and `switch` are 400 `not_supported_in_group_call`). Lines wait for the ' +
      'floor and are stored as turns with `source: "api"`; they are not moderated (the characters\' ' +
      'own speech in a group call is not). No webhook: read outcomes with GET. The owner and ' +
      'operators may control a session.',
    tag: 'sessions',
    params: sessionId,
    query: ShowControlQuery,
    body: { schema: ShowControlRequest },
    responses: {
      200: { description: 'The command and its outcome', schema: ShowCommand },
      202: { description: 'The command, still `pending` when the wait ran out', schema: ShowCommand },
    },
    errors: {
      ...bodyErrors,
      400:
        'The body is not one valid action, `waitMs` is too long, the character is not in the cast, or ' +
        'the action needs a stage (`not_supported_in_group_call`)',
      ...notSignedIn,
      404: 'No such session, or not yours',
      409: 'Not a group session, a broadcast run (use its broadcast), not active, or its characters have not joined yet',
      429: 'Too many commands of this session are unfinished (SHOW_CONTROL_MAX_PENDING)',
      503: 'LiveKit did not take the command',
    },
  },
  {
    method: 'get',
    path: '/api/sessions/:id/control/:commandId',
    operationId: 'getSessionCommand',
    summary: "A group session's show-control command and what became of it",
    tag: 'sessions',
    params: sessionCommandParams,
    responses: { 200: { description: 'The command', schema: ShowCommand } },
    errors: { ...notSignedIn, 404: 'No such session or command, or not yours' },
  },
  {
    method: 'put',
    path: '/api/broadcasts/:id/control-webhook',
    operationId: 'setBroadcastControlWebhook',
    summary: 'Where finished show-control commands are posted; answers a new signing secret, once',
    description:
      'Each finished command is POSTed as JSON (the same body GET answers) with the header ' +
      '`X-Troupe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed with the ' +
      'secret; retried with backoff on network errors, timeouts, 408, 429 and 5xx. Setting it again ' +
      'makes a new secret.',
    tag: 'broadcasts',
    params: broadcastId,
    body: { schema: ShowControlWebhookRequest },
    responses: { 200: { description: 'The webhook and its secret', schema: ShowControlWebhook } },
    errors: { ...bodyErrors, ...common },
  },
  {
    method: 'get',
    path: '/api/broadcasts/:id/control-webhook',
    operationId: 'getBroadcastControlWebhook',
    summary: 'The show-control webhook URL (never its secret)',
    tag: 'broadcasts',
    params: broadcastId,
    responses: { 200: { description: 'The webhook', schema: ShowControlWebhook } },
    errors: { ...notSignedIn, 404: 'No such broadcast, not yours, or no webhook set' },
  },
  {
    method: 'delete',
    path: '/api/broadcasts/:id/control-webhook',
    operationId: 'deleteBroadcastControlWebhook',
    summary: 'Stop posting finished show-control commands',
    tag: 'broadcasts',
    params: broadcastId,
    responses: { 204: { description: 'Removed (or there was none)' } },
    errors: common,
  },
];
