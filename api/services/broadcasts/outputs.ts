import {
  EgressClient,
  EncodingOptions,
  StreamOutput,
  StreamProtocol,
  type EgressInfo,
} from 'livekit-server-sdk';
import type { BroadcastOutputKind, BroadcastVideo } from '../../../protocol/index.ts';

// The two ways a broadcast leaves as RTMP, behind one interface. The API drives egress itself;
// the built-in output runs in the agent's job (ffmpeg), which reads its targets from
// `GET /api/internal/broadcasts/:id/output`, so starting it here is only a record.

/** One RTMP target in clear: `ingest/key`. Never logged. */
export interface RtmpTarget {
  name: string;
  url: string;
}

export interface OutputStartRequest {
  roomName: string;
  /** Resolved only when the output needs them in this process (egress); the builtin reads its own. */
  targets: () => RtmpTarget[];
  video: BroadcastVideo;
  /** The stage page egress composes, with a view-only token. */
  stageUrl: string;
}

/** An output refused or could not be reached; the message carries no URL and no key. */
export class OutputStartError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OutputStartError';
  }
}

export interface BroadcastOutputDriver {
  readonly kind: BroadcastOutputKind;
  /** Starts sending; resolves with LiveKit's egress id when there is one. */
  start(req: OutputStartRequest): Promise<{ egressId: string | null }>;
  /** Stops what start began (a no-op for the builtin: closing the room ends the job's ffmpeg). */
  stop(egressId: string | null): Promise<void>;
}

export interface EgressOutputOptions {
  /** LiveKit server whose Egress API is called (ws:// is turned into http:// by the SDK). */
  url: string;
  apiKey: string;
  apiSecret: string;
  /** Give up on an Egress API call after this long. @defaultValue 10000 */
  requestTimeoutMs: number;
}

/** LiveKit Egress: a room composite of the stage page, streamed to every RTMP target. */
export class EgressOutput implements BroadcastOutputDriver {
  readonly kind = 'egress' as const;
  private readonly client: EgressClient;

  constructor(opts: Omit<EgressOutputOptions, 'requestTimeoutMs'> & Partial<EgressOutputOptions>) {
    this.client = new EgressClient(opts.url, opts.apiKey, opts.apiSecret, {
      requestTimeout: Math.max(1, Math.ceil((opts.requestTimeoutMs ?? 10_000) / 1000)),
    });
  }

  async start(req: OutputStartRequest): Promise<{ egressId: string }> {
    let info: EgressInfo;
    try {
      info = await this.client.startRoomCompositeEgress(
        req.roomName,
        {
          stream: new StreamOutput({ protocol: StreamProtocol.RTMP, urls: req.targets().map((t) => t.url) }),
        },
        {
          layout: 'speaker',
          customBaseUrl: req.stageUrl,
          encodingOptions: new EncodingOptions({
            width: req.video.width,
            height: req.video.height,
            framerate: req.video.fps,
          }),
        },
      );
    } catch (err) {
      // The SDK's message is LiveKit's answer; it never contains the request (keys stay out).
      throw new OutputStartError(`LiveKit Egress did not start: ${errorMessage(err)}`, { cause: err });
    }
    return { egressId: info.egressId };
  }

  async stop(egressId: string | null): Promise<void> {
    if (!egressId) return;
    try {
      await this.client.stopEgress(egressId);
    } catch (err) {
      throw new OutputStartError(`LiveKit Egress did not stop: ${errorMessage(err)}`, { cause: err });
    }
  }
}

/** The agent's ffmpeg output: nothing to do here, the job starts and reports it. */
export class BuiltinOutput implements BroadcastOutputDriver {
  readonly kind = 'builtin' as const;
  start(): Promise<{ egressId: null }> {
    return Promise.resolve({ egressId: null });
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
