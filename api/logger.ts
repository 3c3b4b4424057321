import pino, { type Logger } from 'pino';
import type { ApiConfig } from './config.ts';

/**
 * Paths pino blanks wherever they appear. Secrets and tokens never reach a log line; transcripts and
 * identities may, but only under `pii.*`, so a sink can drop or restrict that key.
 */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'token',
  '*.token',
  'apiSecret',
  '*.apiSecret',
  'livekitApiSecret',
  '*.livekitApiSecret',
  'databaseUrl',
  '*.databaseUrl',
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'authSecret',
  '*.authSecret',
  // Broadcasts: never logged on purpose; these catch a mistake.
  'streamKey',
  '*.streamKey',
  'chatOAuthToken',
  '*.chatOAuthToken',
  'oauthToken',
  '*.oauthToken',
  'secretKey',
  '*.secretKey',
  'previousSecretKey',
  '*.previousSecretKey',
];

export function createLogger(
  config: Pick<ApiConfig, 'logLevel'>,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    name: 'troupe-api',
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
