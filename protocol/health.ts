import { z } from 'zod';

/** `GET /healthz` when the database answers. */
export const HealthStatus = z.object({
  status: z.literal('ok'),
  /** The database driver in use. */
  database: z.enum(['postgres', 'pglite']),
});
export type HealthStatus = z.infer<typeof HealthStatus>;
