import { ReadableStream } from 'node:stream/web';
import { voice } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { framesOf, rms, silenceFrame } from './audio.ts';
import { FrameLog } from './frame-log.ts';

const wait = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * A microphone for an AgentSession with no room: emits 10 ms frames in real time, silence unless
 * speech was queued with `say()`, which resolves with the wall-clock time its last frame went out.
 */
export class ScriptedMicrophone extends voice.AudioInput {
  readonly sampleRate: number;
  #queue: AudioFrame[] = [];
  #onDrained: Array<{ at: number; resolve: (t: number) => void }> = [];
  #sent = 0;
  #closed = false;

  constructor(sampleRate = 16_000) {
    super();
    this.sampleRate = sampleRate;
    const frameMs = 10;
    const startedAt = performance.now();
    this.multiStream.addInputStream(
      new ReadableStream<AudioFrame>({
        pull: async (controller) => {
          if (this.#closed) return controller.close();
          await wait(startedAt + this.#sent * frameMs - performance.now());
          this.#sent++;
          const frame = this.#queue.shift() ?? silenceFrame(this.sampleRate, frameMs);
          controller.enqueue(frame);
          const now = Date.now();
          for (const w of this.#onDrained.filter((d) => d.at <= this.#sent)) w.resolve(now);
          this.#onDrained = this.#onDrained.filter((d) => d.at > this.#sent);
        },
      }),
    );
  }

  /** Queues speech; resolves with the time (ms epoch) the last frame was emitted. */
  say(pcm: Int16Array): Promise<number> {
    this.#queue.push(...framesOf(pcm, this.sampleRate, 10));
    const at = this.#sent + this.#queue.length;
    return new Promise((resolve) => this.#onDrained.push({ at, resolve }));
  }

  override async close(): Promise<void> {
    this.#closed = true;
    await super.close();
  }
}

/**
 * The caller's ear for a session with no room: plays frames in real time (back-pressure of a
 * 60 ms lookahead), can pause and resume like RoomIO's output, and records what it played.
 */
export class ListeningSpeaker extends voice.AudioOutput {
  readonly log = new FrameLog();
  readonly clears: number[] = [];
  readonly pauses: number[] = [];
  #playhead = 0;
  #segmentMs = 0;
  #paused = false;
  #resumeWaiters: Array<() => void> = [];
  #finishTimer: NodeJS.Timeout | undefined;

  constructor(sampleRate = 24_000) {
    super(sampleRate, undefined, { pause: true });
  }

  override async captureFrame(frame: AudioFrame): Promise<void> {
    await super.captureFrame(frame);
    while (this.#paused) await new Promise<void>((r) => this.#resumeWaiters.push(r));
    const now = performance.now();
    if (this.#playhead < now) this.#playhead = now;
    if (this.#segmentMs === 0) this.onPlaybackStarted(Date.now());
    const durationMs = (frame.samplesPerChannel / frame.sampleRate) * 1000;
    const playAt = this.#playhead;
    this.#playhead += durationMs;
    this.#segmentMs += durationMs;
    await wait(playAt - performance.now() - 60);
    this.log.add({ at: Date.now() + Math.max(0, playAt - performance.now()), level: rms(frame) });
  }

  override flush(): void {
    super.flush();
    const remaining = this.#playhead - performance.now();
    const position = this.#segmentMs / 1000;
    clearTimeout(this.#finishTimer);
    this.#finishTimer = setTimeout(() => this.#finish(position, false), Math.max(0, remaining));
  }

  override clearBuffer(): void {
    clearTimeout(this.#finishTimer);
    this.clears.push(Date.now());
    const unplayed = Math.max(0, this.#playhead - performance.now());
    this.#playhead = performance.now();
    this.#paused = false;
    this.#resumeWaiters.splice(0).forEach((r) => r());
    if (this.#segmentMs > 0) this.#finish((this.#segmentMs - unplayed) / 1000, true);
  }

  override pause(): void {
    this.#paused = true;
    this.pauses.push(Date.now());
  }

  override resume(): void {
    this.#paused = false;
    this.#resumeWaiters.splice(0).forEach((r) => r());
  }

  #finish(position: number, interrupted: boolean): void {
    this.#segmentMs = 0;
    this.onPlaybackFinished({ playbackPosition: Math.max(0, position), interrupted });
  }
}
