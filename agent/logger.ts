/**
 * The logger every part of the agent takes: pino's calling convention (structured fields first,
 * then a fixed message). The framework's `log()` and its children fit it, and so does a test's
 * plain object: the framework bundles its own pino major, so its type is not named here.
 */
export interface Logger {
  debug(fields: object, msg?: string): void;
  info(fields: object, msg?: string): void;
  warn(fields: object, msg?: string): void;
  error(fields: object, msg?: string): void;
  /** A logger that adds `bindings` (`sessionId`, `room`, `character`, …) to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

const noop = (): void => {};

/** Writes nothing: for components built outside a job (tests, benches). */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
