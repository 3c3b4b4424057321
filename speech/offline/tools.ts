import { APIError, log } from '@livekit/agents';

/** The framework's pino logger type (agents 1.9 bundles its own pino major). */
export type Logger = ReturnType<typeof log>;

/** A Debian command-line tool an offline provider runs, and the package that installs it. */
export interface OfflineTool {
  /** Name or path of the executable. */
  command: string;
  /** The Debian packages that provide it, for the error message. */
  packages: string[];
}

/**
 * The error for a tool that is not installed. Not retryable: installing a package is the only fix,
 * and the message says which one.
 */
export function missingToolError(tool: OfflineTool): APIError {
  return new APIError(
    `${tool.command} is not installed or not on PATH: install it with \`apt-get install ${tool.packages.join(' ')}\``,
    { retryable: false },
  );
}

/** True when spawning failed because the executable does not exist. */
export function isMissingExecutable(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * The framework's pino logger with the provider label bound. The framework creates its logger in
 * `initializeLogger()`; a provider used before that (a script, a bare test) logs nowhere rather
 * than throwing.
 */
export function providerLogger(provider: string): Logger {
  try {
    return log().child({ provider });
  } catch {
    return silentLogger;
  }
}

const noop = (): void => {};
const silentLogger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
} as unknown as Logger;

/** Keeps the last lines of a child's stderr, to quote in an error when the child fails. */
export class StderrTail {
  #lines: string[] = [];
  #partial = '';
  readonly #max: number;
  readonly #keep: (line: string) => boolean;

  constructor(max = 8, keep: (line: string) => boolean = () => true) {
    this.#max = max;
    this.#keep = keep;
  }

  push(chunk: Buffer | string): void {
    const text = this.#partial + chunk.toString();
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim() || !this.#keep(line)) continue;
      this.#lines.push(line.trim());
      if (this.#lines.length > this.#max) this.#lines.shift();
    }
  }

  toString(): string {
    const rest = this.#partial.trim() && this.#keep(this.#partial) ? [this.#partial.trim()] : [];
    return [...this.#lines, ...rest].join(' | ');
  }
}
