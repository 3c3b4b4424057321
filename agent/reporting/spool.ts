import { readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from '../api-client.ts';
import type { Logger } from '../logger.ts';
import { ApiReporter, type Report } from './api-reporter.ts';

export interface ReplaySpoolOptions {
  dir: string;
  /** The worker's client of the Troupe API. */
  api: ApiClient;
  /** How long one session's reports may take to deliver before the file is kept for next time. @defaultValue 10000 */
  flushTimeoutMs: number;
  logger?: Logger;
}

const UUID_FILE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl$/;

/**
 * Delivers the reports that jobs spooled because the API was unreachable when they ended. A file is
 * claimed by renaming it (so two replays never send it at once), and removed once every report in it
 * is acknowledged; otherwise the undelivered rest is spooled again. Returns the reports delivered.
 * Reports are idempotent at the API, so a replay after a partial delivery writes nothing twice.
 */
export async function replaySpool(
  opts: Pick<ReplaySpoolOptions, 'dir' | 'api'> & Partial<ReplaySpoolOptions>,
): Promise<number> {
  const { dir, api, logger, flushTimeoutMs = 10_000 } = opts;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => UUID_FILE.test(f));
  } catch {
    return 0;
  }
  let delivered = 0;
  for (const file of files) {
    const sessionId = file.slice(0, -'.jsonl'.length);
    const claimed = join(dir, `${file}.replaying-${process.pid}`);
    try {
      renameSync(join(dir, file), claimed);
    } catch {
      continue; // another replay took it
    }
    const reports: Report[] = [];
    for (const line of readFileSync(claimed, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        reports.push(JSON.parse(line) as Report);
      } catch {
        logger?.error({ file }, 'unreadable spool line skipped');
      }
    }
    const reporter = new ApiReporter({
      api,
      sessionId,
      spoolDir: dir,
      ...(logger ? { logger } : {}),
    });
    reports.forEach((r) => reporter.requeue(r));
    await reporter.flush(flushTimeoutMs);
    delivered += reporter.delivered;
    reporter.close(); // spools again whatever is still undelivered
    rmSync(claimed, { force: true });
  }
  return delivered;
}
