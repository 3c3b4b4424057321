import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type {
  JobEndedReport,
  SessionStatusReport,
  SessionSummaryReport,
  Turn,
} from '../../protocol/index.ts';
import { ApiError, type ApiClient, isRetryable } from '../api-client.ts';
import type { Logger } from '../logger.ts';

export { isRetryable };

/** The spool file of one session's undelivered reports. */
export const spoolFile = (dir: string, sessionId: string): string => join(dir, `${sessionId}.jsonl`);

export interface ApiReporterOptions {
  /** The client of the Troupe API the reports go through. */
  api: ApiClient;
  sessionId: string;
  /** First retry delay; doubles up to `maxBackoffMs`. @defaultValue 200 */
  initialBackoffMs: number;
  /** @defaultValue 5000 */
  maxBackoffMs: number;
  /** Per-request timeout. @defaultValue 5000 */
  requestTimeoutMs: number;
  /** Where reports still undelivered at close() are written, one JSON line each, for
   *  `replaySpool` to deliver later. Without it they are only logged. */
  spoolDir?: string;
  logger?: Logger;
}

/** The reporter of one session's job: through the job's API client, spooling to `spoolDir`. */
export function sessionReporter(
  deps: { api: ApiClient; spoolDir: string },
  sessionId: string,
  logger: Logger,
): ApiReporter {
  return new ApiReporter({ api: deps.api, sessionId, spoolDir: deps.spoolDir, logger });
}

export const defaultApiReporterOptions = {
  initialBackoffMs: 200,
  maxBackoffMs: 5000,
  requestTimeoutMs: 5000,
} satisfies Partial<ApiReporterOptions>;

export type Report =
  | { kind: 'status'; body: SessionStatusReport }
  | { kind: 'turn'; body: Turn }
  | { kind: 'summary'; body: SessionSummaryReport }
  | { kind: 'jobEnded'; body: JobEndedReport };

const pathOf: Record<Report['kind'], string> = {
  status: 'status',
  turn: 'turns',
  summary: 'summary',
  jobEnded: 'job-ended',
};

/**
 * Sends a session's status and turns to the API in order. While the API is unreachable, reports
 * wait in memory and are retried with exponential backoff; turn ids are idempotency keys, so a
 * report that reached the API before its response was lost is not written twice.
 */
export class ApiReporter {
  readonly #opts: ApiReporterOptions;
  readonly #queue: Report[] = [];
  #draining: Promise<void> | undefined;
  #closed = false;
  #wake: (() => void) | undefined;
  /** Reports the API acknowledged. */
  delivered = 0;
  /** Reports the API refused for good (a contract bug); logged with their content. */
  rejected = 0;

  constructor(opts: Pick<ApiReporterOptions, 'api' | 'sessionId'> & Partial<ApiReporterOptions>) {
    this.#opts = { ...defaultApiReporterOptions, ...opts };
  }

  get pending(): number {
    return this.#queue.length;
  }

  reportStatus(body: SessionStatusReport): void {
    this.#enqueue({ kind: 'status', body });
  }

  reportTurn(body: Turn): void {
    this.#enqueue({ kind: 'turn', body });
  }

  reportSummary(body: SessionSummaryReport): void {
    this.#enqueue({ kind: 'summary', body });
  }

  /** A job of the session is gone: the API checks the room and dispatches again if people remain. */
  reportJobEnded(body: JobEndedReport): void {
    this.#enqueue({ kind: 'jobEnded', body });
  }

  /** Resolves true once everything queued so far is delivered, false if `timeoutMs` passes first. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (!this.#draining) return this.#queue.length === 0;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const done = this.#draining.then(() => true as const);
    const result = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    return result;
  }

  /**
   * Stops retrying. Whatever is still queued goes to the spool directory when one is configured
   * (and is delivered later by `replaySpool`); otherwise, or if writing fails, it is logged in full.
   */
  close(): void {
    this.#closed = true;
    this.#wake?.();
    const undelivered = this.#queue.splice(0);
    if (undelivered.length === 0) return;
    const { spoolDir, sessionId, logger } = this.#opts;
    if (spoolDir) {
      try {
        mkdirSync(spoolDir, { recursive: true });
        appendFileSync(
          spoolFile(spoolDir, sessionId),
          undelivered.map((r) => `${JSON.stringify(r)}\n`).join(''),
        );
        logger?.warn({ reports: undelivered.length }, 'reports spooled for later delivery');
        return;
      } catch (err) {
        logger?.error({ err }, 'could not spool reports');
      }
    }
    for (const report of undelivered) {
      logger?.error({ report: report.kind, pii: { body: report.body } }, 'report not delivered');
    }
  }

  /** Queues a report read back from the spool. */
  requeue(report: Report): void {
    this.#enqueue(report);
  }

  #enqueue(report: Report): void {
    if (this.#closed) {
      this.#opts.logger?.error({ report: report.kind, pii: { body: report.body } }, 'report after close');
      return;
    }
    this.#queue.push(report);
    this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
  }

  async #drain(): Promise<void> {
    let backoff = this.#opts.initialBackoffMs;
    while (this.#queue.length > 0 && !this.#closed) {
      const report = this.#queue[0]!;
      const status = await this.#send(report);
      if (status === 'ok' || status === 'final') {
        this.#queue.shift();
        backoff = this.#opts.initialBackoffMs;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      backoff = Math.min(backoff * 2, this.#opts.maxBackoffMs);
    }
  }

  async #send(report: Report): Promise<'ok' | 'retry' | 'final'> {
    const { api, sessionId, requestTimeoutMs, logger } = this.#opts;
    let status: number | 'network';
    try {
      await api.report(sessionId, pathOf[report.kind], report.body, requestTimeoutMs);
      this.delivered++;
      return 'ok';
    } catch (err) {
      status = err instanceof ApiError ? err.status : 'network';
      if (status === 'network') logger?.warn({ report: report.kind, err }, 'api unreachable, will retry');
    }
    if (isRetryable(status)) {
      if (status !== 'network')
        logger?.warn({ report: report.kind, status }, 'api refused report, will retry');
      return 'retry';
    }
    this.rejected++;
    logger?.error({ report: report.kind, status, pii: { body: report.body } }, 'api rejected report');
    return 'final';
  }
}
