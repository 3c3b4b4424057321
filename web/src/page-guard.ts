import { currentAuth } from './auth.ts';
import { hrefFor, pathOf } from './router.ts';
import type { Route } from './router.ts';

/**
 * Sends a signed-out visitor to sign in, to come back to `next` (a route, or its path) after.
 * @returns true when it did: the page renders nothing then.
 */
export function sendToSignIn(next: Route | string): boolean {
  if (currentAuth() !== null) return false;
  window.location.hash = hrefFor({ name: 'signin', next: typeof next === 'string' ? next : pathOf(next) });
  return true;
}
