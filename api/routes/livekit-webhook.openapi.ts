import { LivekitWebhookAck, LivekitWebhookEvent } from '../../protocol/webhooks.ts';
import type { ApiOperation } from '../openapi/registry.ts';

export const livekitWebhookOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/livekit/webhook',
    operationId: 'receiveLivekitWebhook',
    summary: "LiveKit's room events, which drive the session lifecycle",
    description:
      'room_started makes the session active, room_finished ends it with its duration, ' +
      'participant_joined / participant_left track the people in the room. Rooms that are no ' +
      "session's are acknowledged and ignored. Not rate limited.",
    tag: 'livekit',
    security: 'livekitWebhook',
    rateLimited: false,
    body: { schema: LivekitWebhookEvent, contentType: 'application/webhook+json' },
    responses: { 200: { description: 'Received', schema: LivekitWebhookAck } },
    errors: { 400: 'A signed body that is not a LiveKit event', 401: 'Unsigned, forged or tampered' },
  },
];
