// The program mixer: every voice of a room (characters and humans) summed into one stereo stream,
// each at its own place in the stereo field, limited so it never clips. Pure: no LiveKit, no timers.
//
// Model: sources push PCM whenever it arrives; the caller pulls fixed blocks on its clock
// (`mixBlock()`), one block per `blockMs` of real time. Each pull takes at most one block from each
// source: a source with nothing buffered contributes silence (it never holds the others back), and a
// source can never run ahead of the output because its buffer is bounded (overflow drops the oldest
// audio and is counted). A sample pushed between two pulls leaves in the next block, after the
// limiter's look-ahead: added latency ≤ blockMs + lookaheadMs by construction.

import { Limiter, defaultLimiterOptions, type LimiterOptions } from './limiter.ts';
import { monoPanGains, stereoBalanceGains } from './pan.ts';
import { StreamResampler } from './resample.ts';

/** Mixer settings. */
export interface MixerOptions {
  /**
   * Output sample rate in Hz; sources at other rates are resampled.
   * @defaultValue 48000
   */
  sampleRate: number;
  /**
   * Output channels: 2 places each source in the stereo field; 1 sums to mono (pan ignored).
   * @defaultValue 2
   */
  channels: 1 | 2;
  /**
   * Block length in ms: one block is pulled per block of real time. 10–20 ms; the mixer adds at most
   * this plus the limiter look-ahead.
   * @defaultValue 10
   */
  blockMs: number;
  /**
   * Most audio a source may hold (its jitter buffer); older audio is dropped beyond it, so a source
   * that pushes faster than real time cannot build up delay. A few blocks.
   * @defaultValue 60
   */
  maxBufferMs: number;
  /**
   * Peak limiter on the sum.
   * @defaultValue {@link defaultLimiterOptions} (−1 dBFS ceiling, 2 ms look-ahead, 80 ms release)
   */
  limiter: LimiterOptions;
}

export const defaultMixerOptions: MixerOptions = {
  sampleRate: 48000,
  channels: 2,
  blockMs: 10,
  maxBufferMs: 60,
  limiter: defaultLimiterOptions,
};

/** Per-source settings. */
export interface SourceOptions {
  /**
   * Linear gain applied before panning.
   * @defaultValue 1
   */
  gain: number;
  /**
   * Position in the stereo field, −1 hard left … 0 centre … 1 hard right (constant-power law).
   * @defaultValue 0
   */
  pan: number;
  /**
   * Channels of the PCM this source pushes (1 or 2); a stereo source is balanced, not panned.
   * @defaultValue 1
   */
  channels: 1 | 2;
}

export const defaultSourceOptions: SourceOptions = { gain: 1, pan: 0, channels: 1 };

/** Counters for one source. */
export interface SourceStats {
  id: string;
  bufferedMs: number;
  /** Frames dropped because the source pushed more than `maxBufferMs` ahead of the output. */
  droppedFrames: number;
  /** Blocks in which the source had some audio but less than a block (a gap inside its audio). */
  underruns: number;
}

/** Counters for the whole mixer. */
export interface MixerStats {
  blocks: number;
  /** Output frames where the limiter reduced gain. */
  limitedFrames: number;
  /** Deepest gain reduction so far, in dB (0 = never limited). */
  minGainDb: number;
  /** Samples the final safety clamp touched; 0 unless the limiter is broken. */
  safetyClamps: number;
  sources: SourceStats[];
}

/** One voice feeding the mixer. Obtain it from {@link Mixer.addSource}. */
export class MixerSource {
  // Int16 as pushed: storing the source's own samples makes a push a copy, and conversion to float
  // folds into the gain at mix time (gain / 32768 is exact, so results equal (x / 32768)·gain).
  private readonly ring: Int16Array;
  private readonly capacity: number;
  private read = 0;
  private size = 0;
  // Created on the first push at another rate; two when the source is stereo.
  private resampler: StreamResampler | null = null;
  private resamplerR: StreamResampler | null = null;
  private gainL = 0;
  private gainR = 0;
  private targetL = 0;
  private targetR = 0;
  private ending = false;
  droppedFrames = 0;
  underruns = 0;

  /** @internal */
  constructor(
    readonly id: string,
    private readonly outRate: number,
    private options: SourceOptions,
    maxBufferMs: number,
  ) {
    this.capacity = Math.max(1, Math.round((maxBufferMs * outRate) / 1000));
    this.ring = new Int16Array(this.capacity * options.channels);
    this.setGains();
    this.gainL = this.targetL;
    this.gainR = this.targetR;
  }

  get channels(): 1 | 2 {
    return this.options.channels;
  }

  get bufferedFrames(): number {
    return this.size;
  }

  /** True once {@link end} was called and everything buffered has been mixed. */
  get drained(): boolean {
    return this.ending && this.size === 0;
  }

  /** Changes the position; the change ramps over the next block so it does not click. */
  setPan(pan: number): void {
    this.options = { ...this.options, pan };
    this.setGains();
  }

  /** Changes the gain; ramps over the next block. */
  setGain(gain: number): void {
    this.options = { ...this.options, gain };
    this.setGains();
  }

  private setGains(): void {
    const { gain, pan, channels } = this.options;
    const g = channels === 1 ? monoPanGains(pan) : stereoBalanceGains(pan);
    this.targetL = gain * g.left;
    this.targetR = gain * g.right;
  }

  /**
   * Appends Int16 PCM (interleaved when `channels` is 2) recorded at `sampleRate`. Returns the number
   * of frames dropped to keep the buffer within `maxBufferMs`.
   */
  push(pcm: Int16Array, sampleRate = this.outRate, channels: number = this.options.channels): number {
    if (this.ending) throw new Error(`mixer source ${this.id} has ended`);
    const ch = this.options.channels;
    if (sampleRate === this.outRate && channels === ch && !this.resampler) return this.writeInt16(pcm);
    const frames = Math.floor(pcm.length / channels);
    // Convert to this source's channel count, as float for the resampler.
    let data: Float32Array = new Float32Array(frames * ch);
    if (channels === ch) {
      for (let i = 0; i < data.length; i++) data[i] = pcm[i]! / 32768;
    } else if (ch === 1) {
      for (let f = 0; f < frames; f++) data[f] = (pcm[f * channels]! + pcm[f * channels + 1]!) / 65536;
    } else {
      for (let f = 0; f < frames; f++) data[2 * f] = data[2 * f + 1] = pcm[f * channels]! / 32768;
    }
    if (sampleRate !== this.outRate) data = this.resample(data, sampleRate);
    else this.flushResampler();
    return this.write(data);
  }

  // The common case (PCM at the output rate, matching channels): convert straight into the ring.
  private writeInt16(pcm: Int16Array): number {
    const ch = this.options.channels;
    let frames = Math.floor(pcm.length / ch);
    let offset = 0;
    const dropped = this.makeRoom(frames);
    if (frames > this.capacity) {
      offset = (frames - this.capacity) * ch;
      frames = this.capacity;
    }
    let w = (this.read + this.size) % this.capacity;
    let left = frames;
    while (left > 0) {
      const n = Math.min(left, this.capacity - w);
      this.ring.set(pcm.subarray(offset, offset + n * ch), w * ch);
      offset += n * ch;
      left -= n;
      w = 0;
    }
    this.size += frames;
    return dropped;
  }

  // Drops the oldest audio so `frames` more fit; returns how many frames were (or will be) lost.
  private makeRoom(frames: number): number {
    let dropped = 0;
    if (frames > this.capacity) {
      dropped += frames - this.capacity;
      frames = this.capacity;
    }
    const over = this.size + frames - this.capacity;
    if (over > 0) {
      dropped += over;
      this.read = (this.read + over) % this.capacity;
      this.size -= over;
    }
    this.droppedFrames += dropped;
    return dropped;
  }

  private resample(data: Float32Array, sampleRate: number): Float32Array {
    if (this.resampler?.inRate !== sampleRate) {
      this.flushResampler();
      this.resampler = new StreamResampler(sampleRate, this.outRate);
      this.resamplerR = this.options.channels === 2 ? new StreamResampler(sampleRate, this.outRate) : null;
    }
    if (this.options.channels === 1) return this.resampler.push(data);
    const n = data.length / 2;
    const l = new Float32Array(n);
    const r = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      l[i] = data[2 * i]!;
      r[i] = data[2 * i + 1]!;
    }
    return interleave(this.resampler.push(l), this.resamplerR!.push(r));
  }

  // Converted or resampled audio: back to Int16 (resampler ringing on full-scale input is clamped).
  private write(data: Float32Array): number {
    const pcm = new Int16Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = Math.round(data[i]! * 32768);
      pcm[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return this.writeInt16(pcm);
  }

  // The rate changed or the stream ended: release what the resampler still holds.
  private flushResampler(): void {
    if (!this.resampler) return;
    const l = this.resampler.flush();
    this.write(this.resamplerR ? interleave(l, this.resamplerR.flush()) : l);
    this.resampler = null;
    this.resamplerR = null;
  }

  /** No more audio will come: whatever the resampler holds is released; the mixer drops the source once drained. */
  end(): void {
    if (this.ending) return;
    this.flushResampler();
    this.ending = true;
  }

  /** Empties the buffer (e.g. the voice was interrupted). */
  clear(): void {
    this.read = 0;
    this.size = 0;
  }

  /** @internal Adds up to `frames` frames into the interleaved bus and consumes them. */
  mixInto(bus: Float32Array, frames: number, outChannels: 1 | 2): void {
    const n = Math.min(frames, this.size);
    if (n > 0 && n < frames && !this.ending) this.underruns++;
    // Linear ramp from the current gains to the targets across the block (zero step when unchanged).
    const dl = (this.targetL - this.gainL) / frames;
    const dr = (this.targetR - this.gainR) / frames;
    // The buffered frames lie in at most two runs of the ring.
    const first = Math.min(n, this.capacity - this.read);
    this.mixRun(bus, 0, this.read, first, dl, dr, outChannels);
    if (n > first) this.mixRun(bus, first, 0, n - first, dl, dr, outChannels);
    this.read = (this.read + n) % this.capacity;
    this.size -= n;
    this.gainL = this.targetL;
    this.gainR = this.targetR;
  }

  // Adds `count` frames from ring position `from` at bus frame `at`; i counts frames into the block.
  private mixRun(
    bus: Float32Array,
    at: number,
    from: number,
    count: number,
    dl: number,
    dr: number,
    outChannels: 1 | 2,
  ): void {
    const ring = this.ring;
    const gl0 = this.gainL / 32768;
    const gr0 = this.gainR / 32768;
    const mono = this.options.gain / 32768;
    dl /= 32768;
    dr /= 32768;
    if (this.options.channels === 1 && outChannels === 2) {
      for (let j = 0; j < count; j++) {
        const i = at + j;
        const v = ring[from + j]!;
        bus[2 * i] = bus[2 * i]! + v * (gl0 + dl * i);
        bus[2 * i + 1] = bus[2 * i + 1]! + v * (gr0 + dr * i);
      }
    } else if (outChannels === 2) {
      for (let j = 0; j < count; j++) {
        const i = at + j;
        bus[2 * i] = bus[2 * i]! + ring[2 * (from + j)]! * (gl0 + dl * i);
        bus[2 * i + 1] = bus[2 * i + 1]! + ring[2 * (from + j) + 1]! * (gr0 + dr * i);
      }
    } else if (this.options.channels === 1) {
      for (let j = 0; j < count; j++) bus[at + j] = bus[at + j]! + ring[from + j]! * mono;
    } else {
      for (let j = 0; j < count; j++) {
        const v = (ring[2 * (from + j)]! + ring[2 * (from + j) + 1]!) / 2;
        bus[at + j] = bus[at + j]! + v * mono;
      }
    }
  }

  /** @internal */
  stats(): SourceStats {
    return {
      id: this.id,
      bufferedMs: (this.size / this.outRate) * 1000,
      droppedFrames: this.droppedFrames,
      underruns: this.underruns,
    };
  }
}

function interleave(l: Float32Array, r: Float32Array): Float32Array {
  const n = Math.min(l.length, r.length);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = l[i]!;
    out[2 * i + 1] = r[i]!;
  }
  return out;
}

export class Mixer {
  readonly options: MixerOptions;
  /** Frames (samples per channel) in one block. */
  readonly blockFrames: number;
  private readonly sources = new Map<string, MixerSource>();
  private readonly limiter: Limiter;
  private blocks = 0;

  constructor(options: Partial<MixerOptions> = {}) {
    this.options = {
      ...defaultMixerOptions,
      ...options,
      limiter: { ...defaultLimiterOptions, ...options.limiter },
    };
    const { sampleRate, channels, blockMs } = this.options;
    this.blockFrames = Math.round((blockMs * sampleRate) / 1000);
    if (this.blockFrames <= 0) throw new Error('blockMs too small');
    this.limiter = new Limiter(sampleRate, channels, this.blockFrames, this.options.limiter);
  }

  /** Frames of look-ahead delay the limiter adds after the block. */
  get lookaheadFrames(): number {
    return this.limiter.lookahead;
  }

  /** Upper bound of the delay the mixer adds, in ms: one block plus the look-ahead. */
  get maxAddedLatencyMs(): number {
    return ((this.blockFrames + this.limiter.lookahead) / this.options.sampleRate) * 1000;
  }

  /** Frames (per channel) produced so far: the output clock. */
  get framesOut(): number {
    return this.blocks * this.blockFrames;
  }

  addSource(id: string, options: Partial<SourceOptions> = {}): MixerSource {
    if (this.sources.has(id)) throw new Error(`mixer source ${id} exists`);
    const source = new MixerSource(
      id,
      this.options.sampleRate,
      { ...defaultSourceOptions, ...options },
      this.options.maxBufferMs,
    );
    this.sources.set(id, source);
    return source;
  }

  source(id: string): MixerSource | undefined {
    return this.sources.get(id);
  }

  /** Removes a source at once; audio it still buffers is discarded. Use `source.end()` to let it drain. */
  removeSource(id: string): boolean {
    return this.sources.delete(id);
  }

  get sourceIds(): string[] {
    return [...this.sources.keys()];
  }

  /**
   * Mixes the next block: interleaved Int16, `blockFrames × channels` samples. Pass `out` to reuse a
   * buffer; otherwise a new one is returned (safe to hand to an AudioFrame).
   */
  mixBlock(out = new Int16Array(this.blockFrames * this.options.channels)): Int16Array {
    const bus = this.limiter.input;
    bus.fill(0);
    for (const source of this.sources.values()) {
      source.mixInto(bus, this.blockFrames, this.options.channels);
      if (source.drained) this.sources.delete(source.id);
    }
    this.limiter.process(out);
    this.blocks++;
    return out;
  }

  stats(): MixerStats {
    return {
      blocks: this.blocks,
      limitedFrames: this.limiter.reducedFrames,
      minGainDb: 20 * Math.log10(this.limiter.minGain),
      safetyClamps: this.limiter.safetyClamps,
      sources: [...this.sources.values()].map((s) => s.stats()),
    };
  }
}
