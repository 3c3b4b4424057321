import { initializeLogger, log } from '@livekit/agents';

/**
 * The framework's plugins take their logger from a process-wide one set by `initializeLogger()`
 * (the worker calls it at start) and throw when there is none. A process that builds providers
 * outside a worker (the API: voice previews, character generation) calls this first; it has its
 * own pino logger, so the framework's gets warnings only, as JSON on stdout.
 */
export function ensureFrameworkLogger(): void {
  try {
    log();
  } catch {
    initializeLogger({ pretty: false, level: 'warn' });
  }
}
