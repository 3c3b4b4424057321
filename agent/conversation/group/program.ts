// The room's "program": every voice (characters and humans) mixed into one stereo stream for the
// places where a single stream leaves the room (the built-in RTMP output, single-track listeners).
// Calls themselves do not use it: each character publishes its own track and browsers mix.
//
// Reads rtc-node AudioFrames from any number of streams (AudioStream, or any async iterable of
// frames), feeds the pure Mixer, and emits one block per `blockMs` of real time. Blocks are scheduled
// at start + k·blockMs, not by chaining timeouts, so timer lateness never accumulates into drift; a
// late wake-up emits the missed blocks at once (sources buffered them meanwhile). Unlike rtc-node's
// AudioMixer it never waits for a stream (an idle one contributes silence), never reads ahead of the
// clock, and keeps running when every stream has ended.

import { AudioFrame, type AudioSource } from '@livekit/rtc-node';
import { Mixer, type MixerOptions, type SourceOptions } from '../../audio/mixer.ts';

/** Time source for pacing; tests pass a virtual one. */
export interface ProgramClock {
  /** Milliseconds, monotonic. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: ProgramClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Program settings. */
export interface ProgramOptions {
  /**
   * Mixer settings (rate, channels, block size, limiter).
   * @defaultValue {@link defaultMixerOptions}
   */
  mixer: Partial<MixerOptions>;
  /**
   * How far behind schedule the clock may fall (a stalled event loop) and still catch up by emitting
   * the missed blocks; beyond it the schedule restarts from now and the gap is counted as skipped.
   * @defaultValue 200
   */
  maxCatchUpMs: number;
  /**
   * Clock used for pacing.
   * @defaultValue {@link realClock}
   */
  clock: ProgramClock;
}

export const defaultProgramOptions: ProgramOptions = { mixer: {}, maxCatchUpMs: 200, clock: realClock };

export class Program {
  readonly mixer: Mixer;
  readonly options: ProgramOptions;
  private readonly readers = new Map<string, AsyncIterator<AudioFrame>>();
  private closed = false;
  /** Blocks given up after a stall longer than `maxCatchUpMs`. */
  skippedBlocks = 0;

  constructor(options: Partial<ProgramOptions> = {}) {
    this.options = { ...defaultProgramOptions, ...options };
    this.mixer = new Mixer(this.options.mixer);
  }

  /**
   * Mixes `stream` as source `id` until it ends or is removed. Frames may come at any rate and channel
   * count (request 48 kHz mono from AudioStream to skip resampling here).
   */
  addStream(id: string, stream: AsyncIterable<AudioFrame>, options: Partial<SourceOptions> = {}): void {
    const source = this.mixer.addSource(id, options);
    const iterator = stream[Symbol.asyncIterator]();
    this.readers.set(id, iterator);
    void (async () => {
      try {
        for (;;) {
          const next = await iterator.next();
          if (next.done || this.readers.get(id) !== iterator) break;
          const f = next.value;
          source.push(f.data.subarray(0, f.samplesPerChannel * f.channels), f.sampleRate, f.channels);
        }
      } finally {
        // Ended on its own: let what is buffered play out. Removed: the mixer already dropped it.
        if (this.readers.get(id) === iterator) {
          this.readers.delete(id);
          source.end();
        }
      }
    })();
  }

  /** Stops mixing `id` at once (its buffered audio is discarded). */
  removeStream(id: string): void {
    const iterator = this.readers.get(id);
    this.readers.delete(id);
    void iterator?.return?.();
    this.mixer.removeSource(id);
  }

  /** Mixed frames, one per block, paced by the clock, until {@link close}. */
  async *frames(): AsyncGenerator<AudioFrame> {
    const { clock, maxCatchUpMs } = this.options;
    const { sampleRate, channels, blockMs } = this.mixer.options;
    let start = clock.now();
    let k = 0;
    while (!this.closed) {
      const due = start + k * blockMs;
      const wait = due - clock.now();
      if (wait > 0) await clock.sleep(wait);
      else if (-wait > maxCatchUpMs) {
        const late = Math.floor(-wait / blockMs);
        this.skippedBlocks += late;
        start = due + late * blockMs;
        k = 0;
      }
      if (this.closed) return;
      yield new AudioFrame(this.mixer.mixBlock(), sampleRate, channels, this.mixer.blockFrames);
      k++;
    }
  }

  /** Writes the program into an rtc-node AudioSource (e.g. a published track) until closed. */
  async pipeTo(sink: AudioSource): Promise<void> {
    for await (const frame of this.frames()) await sink.captureFrame(frame);
  }

  /** Stops pacing and reading all streams. */
  close(): void {
    this.closed = true;
    for (const id of [...this.readers.keys()]) this.removeStream(id);
  }
}
