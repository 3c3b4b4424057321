import { CharacterId } from '../../protocol/index.ts';
import { NotFoundError } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A session id from the path; anything that is not a uuid cannot name a session, so it is a 404. */
export function sessionIdParam(value: string | string[] | undefined): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new NotFoundError('session not found');
  return value.toLowerCase();
}

/** A character id from the path; anything that is not a slug cannot name a character, so it is a 404. */
export function characterIdParam(value: string | string[] | undefined): string {
  if (!CharacterId.safeParse(value).success) throw new NotFoundError('character not found');
  return value as string;
}
