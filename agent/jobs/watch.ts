import type { AgentServer } from '@livekit/agents';
import { DispatchMetadata } from '../../protocol/index.ts';
import type { ApiClient } from '../api-client.ts';
import type { Logger } from '../logger.ts';
import { sessionReporter } from '../reporting/api-reporter.ts';

export interface WatchJobsOptions {
  /** The worker's client of the Troupe API. */
  api: ApiClient;
  /** Where a report that cannot be delivered in time waits. */
  spoolDir: string;
  logger: Logger;
  /** True while the worker drains: its jobs end on purpose then. */
  stopping: () => boolean;
  /** @defaultValue 250 */
  intervalMs?: number;
  /** How long a report keeps being retried before it is spooled. @defaultValue 15000 */
  flushTimeoutMs?: number;
}

interface Watched {
  sessionId: string;
  identity: string;
}

/**
 * Reports every job whose process is gone to the API (`job-ended`), which then checks the room:
 * a job killed outright (kill -9, out of memory) stays in its room for ~20 s as far as LiveKit
 * knows, and livekit-server never dispatches its room again by itself. A job that ended because
 * its call ended is reported too; the API sees nobody left in the room and does nothing.
 */
export function watchJobs(server: AgentServer, opts: WatchJobsOptions): () => void {
  const known = new Map<string, Watched>();
  const timer = setInterval(() => {
    const running = new Set<string>();
    for (const info of server.activeJobs) {
      running.add(info.job.id);
      if (known.has(info.job.id)) continue;
      const meta = dispatchOf(info.job.metadata);
      if (meta)
        known.set(info.job.id, { sessionId: meta.sessionId, identity: info.acceptArguments.identity });
    }
    for (const [jobId, job] of known) {
      if (running.has(jobId)) continue;
      known.delete(jobId);
      if (opts.stopping()) continue;
      opts.logger.info({ jobId, sessionId: job.sessionId }, 'job process gone; reported to the API');
      const reporter = sessionReporter(opts, job.sessionId, opts.logger);
      reporter.reportJobEnded({ identity: job.identity, reason: 'exited' });
      void reporter.flush(opts.flushTimeoutMs ?? 15_000).then((done) => done || reporter.close());
    }
  }, opts.intervalMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}

/** A job's dispatch metadata, or undefined when it is not ours (not JSON, or not the shape). */
export function dispatchOf(raw: string): DispatchMetadata | undefined {
  try {
    const meta = DispatchMetadata.safeParse(JSON.parse(raw));
    return meta.success ? meta.data : undefined;
  } catch {
    return undefined;
  }
}
