// Accounts for tests and benchmarks: every call needs a signed-in owner.
import { randomUUID } from 'node:crypto';
import { AuthResponse } from '../../protocol/index.ts';

export interface SignedUp extends AuthResponse {
  email: string;
  password: string;
  /** `{authorization: 'Bearer …'}`, to spread into fetch headers. */
  headers: { authorization: string };
}

/** `Authorization: Bearer …` for a token or an API key. */
export const bearer = (credential: string): { authorization: string } => ({
  authorization: `Bearer ${credential}`,
});

/** Signs up a fresh account (a unique email unless given) and returns its bearer token. */
export async function signUp(
  apiUrl: string,
  opts: { email?: string; password?: string } = {},
): Promise<SignedUp> {
  const email = opts.email ?? `caller-${randomUUID()}@example.test`;
  const password = opts.password ?? `pw-${randomUUID()}`;
  const res = await fetch(`${apiUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body: unknown = await res.json();
  if (res.status !== 201) throw new Error(`sign-up failed with ${res.status}: ${JSON.stringify(body)}`);
  const auth = AuthResponse.parse(body);
  return { ...auth, email, password, headers: bearer(auth.token) };
}

/** Signs in an existing account (e.g. the operator from OPERATOR_EMAIL) and returns its bearer token. */
export async function signIn(apiUrl: string, email: string, password: string): Promise<SignedUp> {
  const res = await fetch(`${apiUrl}/api/auth/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body: unknown = await res.json();
  if (res.status !== 200) throw new Error(`sign-in failed with ${res.status}: ${JSON.stringify(body)}`);
  const auth = AuthResponse.parse(body);
  return { ...auth, email, password, headers: bearer(auth.token) };
}
