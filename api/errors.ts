import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/errors.ts';
import type { ErrorBody, ErrorCode } from '../protocol/index.ts';

/** An error that leaves the API as `{error: {code, message, details?}}` with its status. */
export class HttpError extends Error {
  /** Seconds the client should wait before trying again, sent as Retry-After. @defaultValue undefined */
  retryAfterInS: number | undefined;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** 4xx are final except 408 and 429; 5xx may succeed on retry. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 408 || this.status === 429;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string) {
    super(400, 'bad_request', message);
  }
}

/** The body or parameters failed their schema; `details.issues` are zod's issues. */
export class ValidationError extends HttpError {
  constructor(message: string, issues: readonly z.core.$ZodIssue[]) {
    super(400, 'validation_failed', message, { issues: issues.map(publicIssue) });
  }
}

/** A character card that could not be read or written; `details.cardCode` is the CardError's code. */
export class InvalidCardError extends HttpError {
  constructor(message: string, cardCode: string) {
    super(400, 'invalid_card', message, { cardCode });
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'missing or invalid bearer token') {
    super(401, 'unauthorized', message);
  }
}

/** The caller may see the thing but not do this to it (e.g. editing a built-in character). */
export class ForbiddenError extends HttpError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes?: number) {
    super(413, 'payload_too_large', 'request body is too large', limitBytes ? { limitBytes } : undefined);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(message = 'request body must be application/json') {
    super(415, 'unsupported_media_type', message);
  }
}

export class UpstreamUnavailableError extends HttpError {
  constructor(message: string) {
    super(503, 'upstream_unavailable', message);
  }
}

/**
 * The database is restarting or cannot be reached (db/errors.ts says which errors mean that): the
 * request did nothing that a retry after Retry-After cannot do.
 */
export class DatabaseUnavailableError extends HttpError {
  constructor(message = 'the database is not available right now: try again shortly') {
    super(503, 'database_unavailable', message);
    this.retryAfterInS = 2;
  }
}

/** Too many requests; the response's Retry-After header says when to try again. */
export class RateLimitedError extends HttpError {
  constructor(retryAfterMs: number | undefined) {
    super(
      429,
      'rate_limited',
      'too many requests: slow down',
      retryAfterMs === undefined ? undefined : { retryAfterMs },
    );
  }
}

export class InternalError extends HttpError {
  constructor() {
    super(500, 'internal', 'internal error');
  }
}

/** Parses with a zod schema or throws ValidationError naming where the input came from. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new ValidationError(`${what} is invalid`, result.error.issues);
  return result.data;
}

/** Keeps what a client needs to fix its request; never echoes the input back. */
function publicIssue(issue: z.core.$ZodIssue): Record<string, unknown> {
  const out: Record<string, unknown> = {
    code: issue.code,
    path: issue.path.map(String),
    message: issue.message,
  };
  if ('keys' in issue) out.keys = issue.keys;
  return out;
}

/** Errors raised by express's body parser carry a `type`; map the ones caused by the client. */
function fromBodyParser(err: { type?: unknown; status?: unknown; limit?: unknown }): HttpError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new BadRequestError('request body is not valid JSON');
    case 'entity.too.large':
      return new PayloadTooLargeError(typeof err.limit === 'number' ? err.limit : undefined);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('unsupported content encoding or charset');
    case 'request.aborted':
    case 'request.size.invalid':
      return new BadRequestError('request body was incomplete');
    case 'entity.verify.failed':
      return new BadRequestError('request body was rejected');
    default:
      return undefined;
  }
}

/** The one error middleware: every error leaves in the ErrorBody shape; stacks only reach the log. */
export function errorHandler(): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const httpError = toHttpError(err);
    // pino-http logs the request's completion with this error and its stack; the client never sees it.
    if (httpError.status >= 500) res.err = err instanceof Error ? err : new Error(String(err));
    if (httpError.retryAfterInS !== undefined) res.set('Retry-After', String(httpError.retryAfterInS));
    res.status(httpError.status).json(httpError.toBody());
  };
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof z.ZodError) return new ValidationError('request is invalid', err.issues);
  if (isDatabaseUnavailable(err)) return new DatabaseUnavailableError();
  if (err && typeof err === 'object')
    return fromBodyParser(err) ?? fromClientStatus(err) ?? new InternalError();
  return new InternalError();
}

/** Errors from express internals (e.g. a malformed URL) that declare themselves the client's fault. */
function fromClientStatus(err: unknown): HttpError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { status?: unknown; statusCode?: unknown };
  const status = e.status ?? e.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (status === 404) return new NotFoundError('not found');
  if (status === 413) return new PayloadTooLargeError();
  if (status === 415) return new UnsupportedMediaTypeError();
  return new BadRequestError('bad request');
}

/** Terminal handler for `/api` paths that match no route. */
export function apiNotFound(): RequestHandler {
  return (req, _res, next) => next(new NotFoundError(`no route for ${req.method} ${req.baseUrl}${req.path}`));
}
