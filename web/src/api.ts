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

/** A body sent as-is (a file, an image, a text document) with its media type. */
export interface RawBody {
  raw: Blob | ArrayBuffer | string;
  contentType: string;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

function isRawBody(body: unknown): body is RawBody {
  return typeof body === 'object' && body !== null && 'raw' in body && 'contentType' in body;
}

/** Sends one request with the signed-in account's token; failures become ApiError. */
async function send(
  method: Method,
  path: string,
  body?: unknown,
  accept = 'application/json',
): Promise<Response> {
  let res: Response;
  const auth = authHeaders();
  const headers: Record<string, string> = { accept, ...auth };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) {
    // The browser writes the multipart content type with its boundary.
    payload = body;
  } else if (isRawBody(body)) {
    headers['content-type'] = body.contentType;
    payload = body.raw;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  try {
    res = await fetch(path, { method, headers, body: payload });
  } catch {
    throw new ApiError('network', 'Could not reach the Troupe server. Is it running?', 0);
  }
  // A refused token (expired, or signed out elsewhere) is forgotten: the page then asks to sign in.
  if (res.status === 401 && auth.authorization !== undefined) clearAuth();
  if (!res.ok) {
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    throw toApiError(res.status, res.statusText, parsed);
  }
  return res;
}

/** A JSON request; an empty answer (204) resolves to undefined. */
export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  const text = await res.text();
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError('client', 'The server answered with something that is not JSON.', res.status);
  }
}

/** A request whose answer is a file (audio, image, card), returned as a Blob. */
export async function requestBlob(
  method: Method,
  path: string,
  body?: unknown,
  accept = '*/*',
): Promise<Blob> {
  return (await send(method, path, body, accept)).blob();
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

/**
 * Every character the caller may see, following the catalog's pages (the call page looks one up
 * by id among them).
 */
export async function listCharacters(): Promise<Character[]> {
  const all: Character[] = [];
  let cursor: string | null | undefined = undefined;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const body: CharacterList & { nextCursor?: string | null } = await request(
      'GET',
      `/api/characters${query}`,
    );
    all.push(...body.characters);
    cursor = body.nextCursor;
  } while (cursor);
  return all;
}

export function createSession(req: CreateSessionRequest): Promise<CreateSessionResponse> {
  return request<CreateSessionResponse>('POST', '/api/sessions', req);
}

export async function endSession(sessionId: string): Promise<void> {
  await request<unknown>('POST', `/api/sessions/${encodeURIComponent(sessionId)}/end`, {});
}

/** Ends a session; one the API already closed (say, after a webhook) is not a failure to the caller. */
export async function endSessionIfOpen(sessionId: string): Promise<void> {
  try {
    await endSession(sessionId);
  } catch (err) {
    if (!(err instanceof ApiError && (err.code === 'not_found' || err.code === 'conflict'))) throw err;
  }
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
