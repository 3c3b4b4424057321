import type { z } from 'zod';
import { ValidationError } from '../errors.ts';

/**
 * Parses a query string with a strict zod object. The message names the parameters at fault, so a
 * client sees `unknown query parameter: sortt` or `invalid query parameter: limit` at once.
 */
export function parseQuery<T extends z.ZodObject>(schema: T, query: unknown): z.output<T> {
  const result = schema.safeParse(query ?? {});
  if (result.success) return result.data;
  // Names are cut short: they are the client's own text, echoed back.
  const unknown = result.error.issues
    .flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []))
    .slice(0, 10)
    .map((k) => k.slice(0, 64));
  const invalid = [
    ...new Set(
      result.error.issues.filter((i) => i.code !== 'unrecognized_keys').map((i) => String(i.path[0])),
    ),
  ];
  const parts = [
    ...(unknown.length > 0
      ? [`unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`]
      : []),
    ...(invalid.length > 0
      ? [`invalid query parameter${invalid.length > 1 ? 's' : ''}: ${invalid.join(', ')}`]
      : []),
  ];
  throw new ValidationError(parts.join('; '), result.error.issues);
}
