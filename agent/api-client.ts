import type { z } from 'zod';
import {
  BroadcastOutputTargets,
  type BroadcastStatusReport,
  type KnowledgePassage,
  KnowledgeRetrievalResponse,
  SessionDetail,
  type ShowCommandReport,
  type Turn,
} from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';

/** What came back from the API: the HTTP status, or `network` when no answer arrived (refused, timed out). */
export type ApiStatus = number | 'network';

/** A response that retrying can change: network failures, timeouts, 408, 429 and 5xx. */
export function isRetryable(status: ApiStatus): boolean {
  return status === 'network' || status === 408 || status === 429 || status >= 500;
}

/** A request to the API that failed; `retryable` says whether sending it again can help. */
export class ApiError extends Error {
  readonly status: ApiStatus;
  readonly retryable: boolean;

  constructor(message: string, status: ApiStatus, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
    this.retryable = isRetryable(status);
  }
}

export interface ApiClientOptions {
  /** Base URL of the Troupe API, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** Bearer token for `/api/internal/*`. */
  token: string;
}

/** The internal transcript answer: the protocol's session transcript. */
const TranscriptAnswer = SessionDetail.pick({ transcript: true });

/** A fetched image and what the API said it is. */
export interface FetchedFile {
  contentType: string;
  /** The path it was fetched from, for its extension when the content type says nothing. */
  pathname: string;
  bytes: Buffer;
}

/**
 * The agent's side of the Troupe API: one per process or job, holding the base URL and the bearer.
 * Answers are parsed with the protocol's schemas; failures throw {@link ApiError}.
 */
export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string;

  constructor(opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl;
    this.#token = opts.token;
  }

  /** The client the worker's LiveKit secret entitles: the bearer is derived from it. */
  static forSecret(baseUrl: string, livekitApiSecret: string): ApiClient {
    return new ApiClient({ baseUrl, token: agentApiToken(livekitApiSecret) });
  }

  /** The stored transcript of a session, for a job that takes its conversation up again. */
  async transcript(sessionId: string, timeoutMs = 5000): Promise<Turn[]> {
    const answer = await this.#json(
      `/api/internal/sessions/${sessionId}/transcript`,
      { signal: AbortSignal.timeout(timeoutMs) },
      TranscriptAnswer,
      'transcript',
    );
    return answer.transcript;
  }

  /** Passages of the character's knowledge that match `query`, for one turn. */
  async knowledge(
    sessionId: string,
    body: { query: string; characterId: string; limit: number },
    timeoutMs: number,
  ): Promise<KnowledgePassage[]> {
    const answer = await this.#json(
      `/api/internal/sessions/${sessionId}/knowledge`,
      { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) },
      KnowledgeRetrievalResponse,
      'knowledge',
    );
    return answer.passages;
  }

  /**
   * Posts one report of a session (`status`, `turns`, `summary`, `job-ended`). Resolves once the
   * API acknowledged it; throws an {@link ApiError} whose `retryable` says whether to send it again.
   */
  async report(sessionId: string, path: string, body: unknown, timeoutMs: number): Promise<void> {
    const res = await this.#fetch(`/api/internal/sessions/${sessionId}/${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    if (res.status >= 300) throw new ApiError(`report ${path} answered ${res.status}`, res.status);
  }

  /** A broadcast's RTMP targets and chat credentials. */
  async broadcastOutput(broadcastId: string): Promise<BroadcastOutputTargets> {
    return this.#json(
      `/api/internal/broadcasts/${encodeURIComponent(broadcastId)}/output`,
      { signal: AbortSignal.timeout(10_000) },
      BroadcastOutputTargets,
      'broadcast output',
    );
  }

  /** Reports the built-in output's state; throws an {@link ApiError} when it was not stored. */
  async broadcastStatus(broadcastId: string, body: BroadcastStatusReport): Promise<void> {
    const res = await this.#fetch(`/api/internal/broadcasts/${encodeURIComponent(broadcastId)}/status`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new ApiError(`broadcast status answered ${res.status}`, res.status);
  }

  /**
   * Reports that the job has a show-control command of a broadcast or a group session (`received`:
   * the API stops sending it), or what became of it; a repeated report changes nothing. Throws an {@link ApiError} whose `retryable`
   * says whether to send it again.
   */
  async showCommandReport(
    to: { broadcastId: string } | { sessionId: string },
    commandId: string,
    body: ShowCommandReport | 'received',
    timeoutMs = 5000,
  ): Promise<void> {
    const owner =
      'broadcastId' in to
        ? `broadcasts/${encodeURIComponent(to.broadcastId)}`
        : `sessions/${encodeURIComponent(to.sessionId)}`;
    const command = `/api/internal/${owner}/control/${encodeURIComponent(commandId)}`;
    const path = body === 'received' ? `${command}/received` : command;
    const res = await this.#fetch(path, {
      method: 'POST',
      body: JSON.stringify(body === 'received' ? {} : body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new ApiError(`show command report answered ${res.status}`, res.status);
  }

  /** A file the API serves (a character's avatar; `url` may be relative to the API), or null. */
  async file(url: string, timeoutMs = 5000): Promise<FetchedFile | null> {
    const target = new URL(url, this.baseUrl);
    const res = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return null;
    return {
      contentType: res.headers.get('content-type') ?? '',
      pathname: target.pathname,
      bytes: Buffer.from(await res.arrayBuffer()),
    };
  }

  async #json<T extends z.ZodType>(
    path: string,
    init: RequestInit,
    schema: T,
    what: string,
  ): Promise<z.output<T>> {
    const res = await this.#fetch(path, init);
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new ApiError(`${what} request failed with ${res.status}`, res.status);
    }
    const parsed = schema.safeParse(await res.json());
    if (!parsed.success) throw new ApiError(`${what} answer does not match the protocol`, res.status);
    return parsed.data;
  }

  async #fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
      });
    } catch (err) {
      throw new ApiError(`api unreachable: ${(err as Error).message}`, 'network', { cause: err });
    }
  }
}
