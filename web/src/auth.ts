import type { AuthResponse, User } from '../../protocol/index.ts';

/** Where the signed-in account's bearer token is kept between page loads. */
export const authStorageKey = 'troupe.auth';
const changed = 'troupe:auth-changed';
/** Fallback when localStorage is unavailable. */
let memory: StoredAuth | null = null;

export interface StoredAuth {
  token: string;
  /** ISO instant after which the API refuses the token. */
  expiresAt: string;
  user: User;
}

function isStoredAuth(v: unknown): v is StoredAuth {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const user = o.user as Record<string, unknown> | undefined;
  return (
    typeof o.token === 'string' &&
    typeof o.expiresAt === 'string' &&
    typeof user === 'object' &&
    user !== null &&
    typeof user.email === 'string'
  );
}

/** The signed-in account, or null when there is none or its token has expired. */
export function currentAuth(now: number = Date.now()): StoredAuth | null {
  let raw: string | null;
  try {
    raw = localStorage.getItem(authStorageKey);
  } catch {
    return null;
  }
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!isStoredAuth(parsed) || !(Date.parse(parsed.expiresAt) > now)) return null;
    return parsed;
  } catch {
    return null;
  }
}

export function saveAuth(auth: AuthResponse): void {
  const stored: StoredAuth = { token: auth.token, expiresAt: auth.expiresAt, user: auth.user };
  try {
    localStorage.setItem(authStorageKey, JSON.stringify(stored));
  } catch {
    // Storage refused (a private window): the account lasts until the page is left.
    memory = stored;
  }
  window.dispatchEvent(new Event(changed));
}

export function clearAuth(): void {
  memory = null;
  try {
    localStorage.removeItem(authStorageKey);
  } catch {
    // Nothing was stored.
  }
  window.dispatchEvent(new Event(changed));
}

/** Calls `listener` whenever this page signs in or out; returns the unsubscribe. */
export function onAuthChange(listener: () => void): () => void {
  window.addEventListener(changed, listener);
  return () => window.removeEventListener(changed, listener);
}

/** The bearer token for API calls, from storage or the in-memory fallback. */
export function bearerToken(now: number = Date.now()): string | null {
  const stored = currentAuth(now) ?? (memory && Date.parse(memory.expiresAt) > now ? memory : null);
  return stored?.token ?? null;
}
