import { createHmac } from 'node:crypto';

/**
 * The bearer token the agent presents on `/api/internal/*`. Both processes already share the
 * LiveKit API secret, so the token is derived from it instead of adding another secret to configure.
 */
export function agentApiToken(livekitApiSecret: string): string {
  return createHmac('sha256', livekitApiSecret).update('troupe-agent-api').digest('base64url');
}
