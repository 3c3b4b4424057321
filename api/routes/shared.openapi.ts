// What several route docs say the same way: path parameters, the answers every JSON-body route can
// give, and the empty-body convention of action endpoints. Each has one meaning, whatever the route.
import { z } from 'zod';
import { CharacterId } from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';

/** `:id` of a character. */
export const characterIdParams = z.object({ id: CharacterId.describe('The character id, a lowercase slug') });

/** `:id` of a session. */
export const sessionIdParams = z.object({ id: z.uuid().describe('The session id') });

/** A route that needs sign-in (bearer token or API key). */
export const notSignedIn = { 401: 'Not signed in' };

/** A character the caller may not see answers as if it did not exist. */
export const characterNotVisible = { 404: 'No such character, or not visible to the caller' };

/** A character the caller may not change: a built-in one, or someone else's. */
export const characterNotOwned = {
  403: "A built-in character, or someone else's",
  ...characterNotVisible,
};

/** What the JSON body parser answers before the route sees the body. */
export const bodyErrors = {
  400: 'The body is not valid JSON or fails the schema',
  413: 'The body is larger than BODY_LIMIT',
  415: 'The body is not application/json',
};

/** The body of an action endpoint (end, start, publish…): nothing, or `{}`. */
export function emptyBody(schema: z.ZodType): NonNullable<ApiOperation['body']> {
  return { schema, required: false, description: 'No body, or an empty object' };
}

/** What an action endpoint answers to a body that is not empty. */
export const emptyBodyErrors = { 400: 'A body that is not an empty object' };
