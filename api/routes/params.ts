import { CharacterId } from '../../protocol/index.ts';
import { NotFoundError } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid from the path; anything else cannot name the thing, so it is a 404 with `notFound`. */
export function uuidParam(value: string | string[] | undefined, notFound: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new NotFoundError(notFound);
  return value.toLowerCase();
}

/** A session id from the path; anything that is not a uuid cannot name a session, so it is a 404. */
export function sessionIdParam(value: string | string[] | undefined): string {
  return uuidParam(value, 'session not found');
}

/** A character id from the path; anything that is not a slug cannot name a character, so it is a 404. */
export function characterIdParam(value: string | string[] | undefined): string {
  if (!CharacterId.safeParse(value).success) throw new NotFoundError('character not found');
  return value as string;
}
