import cors from 'cors';
import type { RequestHandler } from 'express';

export interface CorsPolicyOptions {
  /** Exact origins (`https://app.example.com`) allowed to call the API from a browser. @defaultValue [] */
  origins: readonly string[];
  /** How long a browser may cache a preflight answer. @defaultValue 600 */
  maxAgeInS: number;
}

export const defaultCorsPolicyOptions: CorsPolicyOptions = { origins: [], maxAgeInS: 600 };

/**
 * CORS for `/api`: an allowed origin gets the CORS headers (a preflight is answered 204 here); any
 * other origin, or none, gets no CORS header at all, so the browser keeps the response from the
 * page. With no origins configured the API is same-origin only. Credentials are allowed because
 * the list is explicit: never a wildcard, never a reflected origin.
 */
export function corsPolicy(opts: Partial<CorsPolicyOptions> = {}): RequestHandler {
  const o = { ...defaultCorsPolicyOptions, ...opts };
  const allowed = new Set(o.origins);
  return cors({
    origin: (requestOrigin, callback) =>
      callback(null, requestOrigin !== undefined && allowed.has(requestOrigin)),
    credentials: true,
    maxAge: o.maxAgeInS,
    exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit', 'ratelimit-policy'],
  });
}
