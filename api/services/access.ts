// Who may do what with characters and sessions: the one place these rules live. Pure functions;
// routes turn a Decision into a status, and the characters list uses the SQL twin below.
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import { characters } from '../../db/schema.ts';
import type { CharacterVisibility, UserRole } from '../../protocol/index.ts';

/** The account behind a request's credential; `undefined` stands for an anonymous request. */
export interface Principal {
  /** The account's id (named `id` because the rate limiter keys on `req.user.id`). */
  id: string;
  role: UserRole;
  /** Which credential carried it. */
  via: 'token' | 'api_key';
}

/**
 * - `allow`: go ahead.
 * - `unauthenticated` → 401: sign in first.
 * - `forbidden` → 403: the caller may see the thing but not do this to it.
 * - `not_found` → 404: the caller may not even know the thing exists.
 */
export type Decision = 'allow' | 'unauthenticated' | 'forbidden' | 'not_found';

export interface CharacterFacts {
  ownerId?: string | null;
  visibility?: CharacterVisibility;
  builtIn: boolean;
}

/** `read` a character, `write` (change or delete) it, or `call` it (start a session with it). */
export type CharacterAction = 'read' | 'write' | 'call';

const isOperator = (p: Principal | undefined): boolean => p?.role === 'operator';

/** Built-in and public characters are seen by everyone; private ones by their owner and operators. */
export function canSeeCharacter(p: Principal | undefined, c: CharacterFacts): boolean {
  if (c.builtIn || c.visibility === 'public') return true;
  return p !== undefined && ((c.ownerId != null && c.ownerId === p.id) || isOperator(p));
}

export function characterAccess(
  p: Principal | undefined,
  c: CharacterFacts,
  action: CharacterAction,
): Decision {
  if (action !== 'read' && p === undefined) return 'unauthenticated';
  if (!canSeeCharacter(p, c)) return 'not_found';
  if (action !== 'write') return 'allow';
  // Built-ins (and anything else the server seeded) belong to no one: nobody edits them here.
  if (c.builtIn || c.ownerId == null) return 'forbidden';
  return c.ownerId === p?.id ? 'allow' : 'forbidden';
}

/**
 * Publishing or unpublishing (changing who may see it): its owner, or an operator, for a character
 * someone owns; built-ins stay public.
 */
export function characterPublishAccess(p: Principal | undefined, c: CharacterFacts): Decision {
  if (p === undefined) return 'unauthenticated';
  if (!canSeeCharacter(p, c)) return 'not_found';
  if (c.builtIn || c.ownerId == null) return 'forbidden';
  return c.ownerId === p.id || isOperator(p) ? 'allow' : 'forbidden';
}

/**
 * The SQL twin of canSeeCharacter, for listing: must say exactly what it says
 * (api/authorization.test.ts lists as each principal and compares).
 */
export function visibleCharactersWhere(p: Principal | undefined): SQL | undefined {
  if (isOperator(p)) return undefined;
  const seenByAll = or(eq(characters.builtIn, true), eq(characters.visibility, 'public'))!;
  return p === undefined
    ? seenByAll
    : or(seenByAll, and(sql`${characters.ownerId} is not null`, eq(characters.ownerId, p.id)));
}

export interface SessionFacts {
  /** Null for sessions from before accounts: operators only. */
  ownerId: string | null;
}

/**
 * `read` a session, `end` it, `join` it (a fresh room token, or an invite for someone else), or
 * `control` it (show-control commands to its characters). Operators may read, end and control any
 * session, but only its owner can put people in its room.
 */
export type SessionAction = 'read' | 'end' | 'join' | 'delete' | 'control';

export function sessionAccess(p: Principal | undefined, s: SessionFacts, action: SessionAction): Decision {
  if (p === undefined) return 'unauthenticated';
  const owner = s.ownerId !== null && s.ownerId === p.id;
  if (owner) return 'allow';
  if (!isOperator(p)) return 'not_found';
  return action === 'join' ? 'forbidden' : 'allow';
}

/**
 * `read`, `write` (change or delete), `stop` a broadcast, or `start` it (putting characters on air,
 * minting its stage token). Operators may read, change and stop any broadcast (moderation); only
 * its owner goes on air with it. Anyone else may not know it exists.
 */
export type BroadcastAction = 'read' | 'write' | 'stop' | 'start';

export function broadcastAccess(
  p: Principal | undefined,
  b: { ownerId: string },
  action: BroadcastAction,
): Decision {
  if (p === undefined) return 'unauthenticated';
  if (b.ownerId === p.id) return 'allow';
  if (!isOperator(p)) return 'not_found';
  return action === 'start' ? 'forbidden' : 'allow';
}
