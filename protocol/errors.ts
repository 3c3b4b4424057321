import { z } from 'zod';

export const ErrorCode = z.enum([
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  /** A character card that could not be read; `details.cardCode` says why. */
  'invalid_card',
  /** A library upload refused as a whole (too many cards, a broken ZIP); `details.libraryCode` says why. */
  'invalid_library',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'upstream_unavailable',
  /** The database is restarting or unreachable; the Retry-After header says when to try again. */
  'database_unavailable',
  /** Voice cloning needs ElevenLabs (`ELEVENLABS_API_KEY`), which this server does not have. */
  'voice_cloning_unavailable',
  /** A show-control action that needs a broadcast's stage (expression, motion, switch), sent to a group session. */
  'not_supported_in_group_call',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The one shape every API error has. */
export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
