import type {
  AuthResponse,
  Character,
  CharacterList,
  CreateSessionRequest,
  CreateSessionResponse,
  ErrorBody,
} from '../../protocol/index.ts';
import { bearerToken, clearAuth, saveAuth } from './auth.ts';

/** An error from the API in its one shape, or from the network on the way to it. */
export class ApiError extends Error {
  constructor(
    /** The API's error code, `network` when the server was not reached, `http_<status>` otherwise. */
    readonly code: string,
    message: string,
    /** HTTP status; 0 when no response arrived. */
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Whether trying again may help: network failures, timeouts, rate limits and 5xx. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const e = (body as { error: unknown }).error;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

/** Turns a failed response into an ApiError, whatever its body held. */
export function toApiError(status: number, statusText: string, body: unknown): ApiError {
  if (isErrorBody(body)) return new ApiError(body.error.code, body.error.message, status, body.error.details);
  const message = statusText !== '' ? `${status} ${statusText}` : `The server answered ${status}`;
  return new ApiError(`http_${status}`, message, status);
}

/** The signed-in account's `Authorization` header, if any. */
function authHeaders(): Record<string, string> {
  const token = bearerToken();
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  const auth = authHeaders();
  try {
    res = await fetch(path, {
      method,
      headers: {
        ...(body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' }),
        ...auth,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('network', 'Could not reach the Troupe server. Is it running?', 0);
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  // A refused token (expired, or signed out elsewhere) is forgotten: the page then asks to sign in.
  if (res.status === 401 && auth.authorization !== undefined) clearAuth();
  if (!res.ok) throw toApiError(res.status, res.statusText, parsed);
  return parsed as T;
}

/** Signs in or signs up, and keeps the token for later calls. */
export async function authenticate(
  mode: 'signin' | 'signup',
  email: string,
  password: string,
): Promise<AuthResponse> {
  const auth = await request<AuthResponse>('POST', `/api/auth/${mode}`, { email, password });
  saveAuth(auth);
  return auth;
}

export async function listCharacters(): Promise<Character[]> {
  const body = await request<CharacterList>('GET', '/api/characters');
  return body.characters;
}

export function createSession(req: CreateSessionRequest): Promise<CreateSessionResponse> {
  return request<CreateSessionResponse>('POST', '/api/sessions', req);
}

export async function endSession(sessionId: string): Promise<void> {
  await request<unknown>('POST', `/api/sessions/${encodeURIComponent(sessionId)}/end`, {});
}

/**
 * Ends a session while the page unloads, when an awaited fetch would be cancelled. A keepalive
 * fetch rather than a beacon, because a beacon cannot carry the bearer token.
 * Returns false when the browser refused to queue the request.
 */
export function endSessionOnUnload(sessionId: string): boolean {
  try {
    void fetch(`/api/sessions/${encodeURIComponent(sessionId)}/end`, {
      method: 'POST',
      keepalive: true,
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: '{}',
    }).catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}
