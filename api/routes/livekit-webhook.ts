import express, { Router } from 'express';
import { WebhookReceiver } from 'livekit-server-sdk';
import { LivekitWebhookEvent } from '../../protocol/webhooks.ts';
import { BadRequestError, UnauthorizedError, parseOrThrow } from '../errors.ts';
import type { RoomEvents } from '../services/room-events.ts';

export interface LivekitWebhookOptions {
  /** The key LiveKit signs with (livekit.yaml `webhook.api_key`). */
  apiKey: string;
  apiSecret: string;
  /** Largest body accepted. */
  bodyLimitBytes: number;
  events: RoomEvents;
}

/**
 * `POST /api/livekit/webhook`, mounted under `/api/livekit`. LiveKit signs each event: the
 * Authorization header is a JWT issued by the API key, signed with its secret, whose `sha256` claim
 * is the base64 SHA-256 of the exact body. The body is therefore read raw (whatever its content
 * type, LiveKit sends `application/webhook+json`) and only parsed once the signature holds.
 */
export function livekitWebhookRouter(opts: LivekitWebhookOptions): Router {
  const receiver = new WebhookReceiver(opts.apiKey, opts.apiSecret);
  const router = Router();
  router.post('/webhook', express.raw({ type: () => true, limit: opts.bodyLimitBytes }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const authorization = req.headers.authorization?.replace(/^Bearer\s+/i, '');
    try {
      await receiver.receive(body, authorization);
    } catch (err) {
      // Only a correctly signed body gets as far as parsing, so a parse failure is the sender's bug.
      if (err instanceof SyntaxError || /^cannot decode/.test(String((err as Error).message)))
        throw new BadRequestError('webhook body is not a LiveKit event');
      req.log.warn({ reason: (err as Error).message }, 'webhook rejected: bad signature');
      throw new UnauthorizedError('missing or invalid webhook signature');
    }
    const event = parseOrThrow(LivekitWebhookEvent, JSON.parse(body), 'webhook event');
    const log = req.log.child({ webhook: event.event, eventId: event.id });
    log.debug('webhook received');
    res.json(await opts.events.handle(event, log));
  });
  return router;
}
