import { z } from 'zod';
import {
  Broadcast,
  BroadcastList,
  CreateBroadcastRequest,
  StageAccess,
  StartBroadcastResponse,
  UpdateBroadcastRequest,
} from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { EmptyBroadcastRequest } from './broadcasts.ts';
import { bodyErrors, emptyBody, emptyBodyErrors, notSignedIn } from './shared.openapi.ts';

const broadcastId = z.object({ id: z.uuid().describe('The broadcast id') });
const common = { ...notSignedIn, 404: 'No such broadcast, or not yours' };

export const broadcastOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/broadcasts',
    operationId: 'createBroadcast',
    summary: 'Create a broadcast: a group of characters on Twitch and other RTMP destinations',
    description:
      'Stream keys and the chat OAuth token are stored encrypted and never returned: the answer says ' +
      'only whether each is set (`streamKeySet`, `chatOAuthTokenSet`).',
    tag: 'broadcasts',
    body: { schema: CreateBroadcastRequest },
    responses: { 201: { description: 'The broadcast, without its secrets', schema: Broadcast } },
    errors: { ...bodyErrors, ...notSignedIn },
  },
  {
    method: 'get',
    path: '/api/broadcasts',
    operationId: 'listBroadcasts',
    summary: "The caller's broadcasts, newest first",
    tag: 'broadcasts',
    responses: { 200: { description: 'The broadcasts, without their secrets', schema: BroadcastList } },
    errors: notSignedIn,
  },
  {
    method: 'get',
    path: '/api/broadcasts/:id',
    operationId: 'getBroadcast',
    summary: 'A broadcast: settings, status, session and egress of its current or last run',
    tag: 'broadcasts',
    params: broadcastId,
    responses: { 200: { description: 'The broadcast, without its secrets', schema: Broadcast } },
    errors: common,
  },
  {
    method: 'patch',
    path: '/api/broadcasts/:id',
    operationId: 'updateBroadcast',
    summary: 'Change a broadcast while it is off air; a secret is replaced or cleared (null), never read',
    tag: 'broadcasts',
    params: broadcastId,
    body: { schema: UpdateBroadcastRequest },
    responses: { 200: { description: 'The broadcast, without its secrets', schema: Broadcast } },
    errors: { ...bodyErrors, ...common, 409: 'The broadcast is on air' },
  },
  {
    method: 'delete',
    path: '/api/broadcasts/:id',
    operationId: 'deleteBroadcast',
    summary: 'Delete a broadcast (stopping it first when on air) and its stored secrets',
    tag: 'broadcasts',
    params: broadcastId,
    responses: { 204: { description: 'Deleted' } },
    errors: common,
  },
  {
    method: 'post',
    path: '/api/broadcasts/:id/start',
    operationId: 'startBroadcast',
    summary: "Go on air: starts the broadcast's group session and its RTMP output (egress or built-in)",
    description:
      'The status is `starting` until the output reports `live` (egress webhooks, or the agent for the ' +
      'built-in output). Only the owner may start a broadcast.',
    tag: 'broadcasts',
    params: broadcastId,
    body: emptyBody(EmptyBroadcastRequest),
    responses: {
      200: { description: "The broadcast, and the host's room token", schema: StartBroadcastResponse },
    },
    errors: {
      ...emptyBodyErrors,
      ...common,
      403: "An operator may not start someone else's broadcast",
      409: 'Already on air, or no stream key and no destination',
      503: 'LiveKit or its egress service did not answer; the broadcast is `failed` with `lastError`',
    },
  },
  {
    method: 'post',
    path: '/api/broadcasts/:id/stop',
    operationId: 'stopBroadcast',
    summary: 'Go off air: stops the output and ends the session (a no-op when not on air)',
    tag: 'broadcasts',
    params: broadcastId,
    body: emptyBody(EmptyBroadcastRequest),
    responses: { 200: { description: 'The stopped broadcast', schema: Broadcast } },
    errors: { ...emptyBodyErrors, ...common },
  },
  {
    method: 'get',
    path: '/api/broadcasts/:id/stage-token',
    operationId: 'getBroadcastStageToken',
    summary: 'A view-only room token and the stage page URL, for an OBS browser source',
    tag: 'broadcasts',
    params: broadcastId,
    responses: { 200: { description: 'How to open the stage page', schema: StageAccess } },
    errors: { ...common, 403: "An operator may not watch someone else's stage", 409: 'Not on air' },
  },
];
