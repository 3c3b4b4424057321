// Which database errors mean "the database is not there right now" (retry later) rather than "this
// query is wrong". The one place that knows the `postgres` driver's and the server's codes for it.
import { DrizzleQueryError } from 'drizzle-orm';

/** Socket errors Node raises when the server cannot be reached or drops the connection. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // The host name does not resolve: a database container that is down vanishes from Docker's DNS.
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** The `postgres` driver's own codes (its `Errors.connection`), on errors whose message starts `write <code>`. */
const driverCodes = new Set([
  /** The server closed the socket with a query in flight. */
  'CONNECTION_CLOSED',
  /** A query was sent after `sql.end()`: the pool is shut. */
  'CONNECTION_ENDED',
  /** The connection was torn down (`sql.end({timeout})` expired, or terminated) with a query in flight. */
  'CONNECTION_DESTROYED',
  /** No answer within `connect_timeout`. */
  'CONNECT_TIMEOUT',
]);

/**
 * SQLSTATEs (on the driver's PostgresError) for a server that is going away, not up yet, or full.
 * Class 08 (connection_exception) is matched as a whole.
 */
const sqlStates = new Set([
  /** admin_shutdown: `pg_ctl stop -m fast`, `pg_terminate_backend`. */
  '57P01',
  /** crash_shutdown: another backend crashed and the server is resetting. */
  '57P02',
  /** cannot_connect_now: the server is starting up or shutting down. */
  '57P03',
  /** too_many_connections. */
  '53300',
]);

/**
 * True when `err` says the database could not be reached or went away (refused, reset, shut down,
 * starting up, timed out), looking through Drizzle's `DrizzleQueryError` (`cause`) and Node's
 * `AggregateError` (one error per address tried). Socket codes count only on errors that came
 * through the driver, so a failed call to another server (an embeddings API) is not mistaken for
 * the database. False for errors a retry cannot fix (constraint violations, syntax errors).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: Array<{ e: unknown; viaDriver: boolean }> = [{ e: err, viaDriver: false }];
  while (queue.length > 0) {
    const { e, viaDriver: parentViaDriver } = queue.shift()!;
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const viaDriver = parentViaDriver || fromDriver(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (driverCodes.has(code)) return true;
      if (viaDriver && (socketCodes.has(code) || sqlStates.has(code) || /^08[0-9A-Z]{3}$/.test(code)))
        return true;
    }
    queue.push({ e: (e as { cause?: unknown }).cause, viaDriver });
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) queue.push(...errors.map((x: unknown) => ({ e: x, viaDriver })));
  }
  return false;
}

/**
 * Drizzle's wrapper of a failed query, the driver's PostgresError, or a socket error the `postgres`
 * driver rejected a query with (it attaches the query's text as `query`).
 */
function fromDriver(e: object): boolean {
  return e instanceof DrizzleQueryError || (e as Error).name === 'PostgresError' || 'query' in e;
}
