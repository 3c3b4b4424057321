import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { BroadcastOutputTargets, Character, ShowCommandReport } from '../../protocol/index.ts';
import { ApiError, type ApiClient, type FetchedFile } from '../api-client.ts';

/** Tries of a show-control report, and the pause before the second (doubling after). */
const COMMAND_REPORT_ATTEMPTS = 4;
const COMMAND_REPORT_RETRY_MS = 500;

/** What the broadcast asks of the Troupe API. */
export interface BroadcastApi {
  /** RTMP targets and chat credentials. */
  output(): Promise<BroadcastOutputTargets>;
  /** Best effort: a status the API did not take is not retried. */
  status(status: 'live' | 'failed' | 'ended', error?: string): Promise<void>;
  /** A character's avatar, or null when the API has none to give. */
  avatar(url: string): Promise<FetchedFile | null>;
  /** That the job has a show-control command (`received`), or what became of it; retried while the API may still take it. */
  commandFinished(commandId: string, report: ShowCommandReport | 'received'): Promise<boolean>;
}

/** One broadcast's side of the internal API: RTMP targets and chat credentials in, status out. */
export function broadcastApi(api: ApiClient, broadcastId: string): BroadcastApi {
  return {
    output: () => api.broadcastOutput(broadcastId),
    status: (status, error) =>
      api
        .broadcastStatus(broadcastId, { status, ...(error ? { error: error.slice(0, 1000) } : {}) })
        .catch(() => undefined),
    avatar: (url) => api.file(url),
    commandFinished: (commandId, report) =>
      reportCommand(() => api.showCommandReport({ broadcastId }, commandId, report)),
  };
}

/** Sends a show-control report, again while the API may still take it; false when it never did. */
export async function reportCommand(send: () => Promise<void>): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await send();
      return true;
    } catch (err) {
      const retryable = err instanceof ApiError && err.retryable;
      if (!retryable || attempt >= COMMAND_REPORT_ATTEMPTS) return false;
      await new Promise((r) => setTimeout(r, COMMAND_REPORT_RETRY_MS * 2 ** (attempt - 1)));
    }
  }
}

/** A character's avatar as a local file ffmpeg can read, or null (the stage then shows its name). */
export async function avatarFile(api: BroadcastApi, c: Character): Promise<string | null> {
  try {
    const fetched = await api.avatar(c.avatarUrl);
    if (!fetched) return null;
    const type = fetched.contentType;
    const ext = type.includes('svg')
      ? '.svg'
      : type.includes('png')
        ? '.png'
        : type.includes('webp')
          ? '.webp'
          : type.includes('jpeg')
            ? '.jpg'
            : extname(fetched.pathname);
    const file = join(tmpdir(), `troupe-avatar-${c.id}-${process.pid}${ext}`);
    await writeFile(file, fetched.bytes);
    return file;
  } catch {
    return null;
  }
}
