// Look-ahead peak limiter for interleaved stereo (or mono) Float32 blocks.
//
// Guarantee: no output sample exceeds the ceiling, without hard clipping. For each input frame the
// gain it needs is g = min(1, ceiling / peak). The gain envelope is
//   1. the minimum of g over the last L+1 frames (L = look-ahead), so a peak is seen L frames early;
//   2. an exponential release toward 1, never above that minimum;
//   3. a moving average over L+1 frames, which ramps the gain down smoothly during the look-ahead and
//      still reaches ≤ g exactly when the peak leaves the delay line (every value averaged there is
//      ≤ g because each window contains the peak).
// Audio is delayed by L frames. When no frame in the window needs reduction the gain is exactly 1, so
// quiet audio passes bit-exact; a fast path skips the per-frame envelope for such blocks.

/** Limiter settings. */
export interface LimiterOptions {
  /**
   * Highest output peak in dBFS; also the threshold: gain is reduced only where a peak would exceed it.
   * @defaultValue -1
   */
  ceilingDb: number;
  /**
   * Look-ahead and attack time: the gain ramps down over this long before a peak. Adds this much latency.
   * @defaultValue 2
   */
  lookaheadMs: number;
  /**
   * Release time constant (time to recover ≈63 % of the reduction, in dB-linear terms of gain).
   * @defaultValue 80
   */
  releaseMs: number;
}

export const defaultLimiterOptions: LimiterOptions = { ceilingDb: -1, lookaheadMs: 2, releaseMs: 80 };

// The gain needed is computed a hair below the ceiling so that float rounding in the average can never
// push a sample over it; the final clamp in `process` is a safety net only.
const HEADROOM = 1 - 1e-6;
// Release is asymptotic: snap to unity once within this of 1 (≈ −0.0009 dB), so idle audio is bit-exact.
const RELEASE_SNAP = 1e-4;

export class Limiter {
  readonly lookahead: number;
  readonly ceiling: number;
  readonly channels: number;
  private readonly releaseCoeff: number;
  /** Delay line: L frames of held input followed by the current block (the mix bus writes there). */
  private readonly ext: Float32Array;
  private readonly blockFrames: number;
  private readonly gains: Float64Array;
  // Sliding minimum over L+1 frames: monotonic deque of (time, gain) in rings of size L+2.
  private readonly dqTime: Float64Array;
  private readonly dqGain: Float64Array;
  private dqHead = 0;
  private dqLen = 0;
  // Moving average over L+1 frames of the released gain.
  private readonly box: Float64Array;
  private boxPos = 0;
  private boxSum: number;
  private boxBelowOne = 0;
  private release = 1;
  private time = 0;
  /** Frames processed with gain < 1. */
  reducedFrames = 0;
  /** Samples the final safety clamp had to touch; stays 0 unless the envelope is wrong. */
  safetyClamps = 0;
  /** Lowest gain applied so far. */
  minGain = 1;

  constructor(
    sampleRate: number,
    channels: number,
    blockFrames: number,
    options: Partial<LimiterOptions> = {},
  ) {
    const o = { ...defaultLimiterOptions, ...options };
    this.channels = channels;
    this.blockFrames = blockFrames;
    this.ceiling = 10 ** (o.ceilingDb / 20);
    this.lookahead = Math.max(0, Math.round((o.lookaheadMs * sampleRate) / 1000));
    this.releaseCoeff = 1 - Math.exp(-1000 / (Math.max(o.releaseMs, 0.001) * sampleRate));
    this.ext = new Float32Array((this.lookahead + blockFrames) * channels);
    this.gains = new Float64Array(blockFrames);
    this.input = this.ext.subarray(this.lookahead * channels);
    this.dqTime = new Float64Array(this.lookahead + 2);
    this.dqGain = new Float64Array(this.lookahead + 2);
    this.box = new Float64Array(this.lookahead + 1).fill(1);
    this.boxSum = this.lookahead + 1;
  }

  /** Where the next block's input goes (interleaved, `blockFrames × channels`); zero it, then add into it. */
  readonly input: Float32Array;

  private get idle(): boolean {
    return (
      this.release === 1 && this.boxBelowOne === 0 && (this.dqLen === 0 || this.dqGain[this.dqHead] === 1)
    );
  }

  /**
   * Limits the block written into {@link input} and writes the frames leaving the delay line to `out`
   * as Int16 (interleaved), with |sample| ≤ round(ceiling·32768).
   */
  process(out: Int16Array): void {
    const ch = this.channels;
    const n = this.blockFrames * ch;
    const inp = this.input;
    const c = this.ceiling;
    let peak = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(inp[i]!);
      if (a > peak) peak = a;
    }
    if (peak <= c && this.idle) {
      this.time += this.blockFrames;
      this.dqHead = 0;
      this.dqLen = 1;
      this.dqTime[0] = this.time - 1;
      this.dqGain[0] = 1;
      // Every frame leaving the delay line was checked on entry and needs no gain: convert only.
      const ext = this.ext;
      for (let i = 0; i < n; i++) {
        const y = ext[i]!;
        out[i] = y >= 1 ? 32767 : Math.round(y * 32768);
      }
      ext.copyWithin(0, n, ext.length);
      return;
    }
    this.envelope(inp);
    this.emit(out, this.gains);
  }

  // Per-frame gain envelope, in locals for speed (this runs only while limiting or releasing).
  private envelope(inp: Float32Array): void {
    const ch = this.channels;
    const c = this.ceiling;
    const limit = c * HEADROOM;
    const L = this.lookahead;
    const cap = L + 2;
    const W = L + 1;
    const { dqTime, dqGain, box, gains, releaseCoeff } = this;
    let head = this.dqHead;
    let len = this.dqLen;
    let t = this.time;
    let rel = this.release;
    let pos = this.boxPos;
    let below = this.boxBelowOne;
    let minGain = this.minGain;
    let reduced = 0;
    // Re-add the window each block so rounding in the running sum cannot build up.
    let sum = 0;
    for (let i = 0; i < W; i++) sum += box[i]!;
    for (let f = 0; f < this.blockFrames; f++) {
      let p: number;
      if (ch === 2) {
        const a = Math.abs(inp[2 * f]!);
        const b = Math.abs(inp[2 * f + 1]!);
        p = a > b ? a : b;
      } else p = Math.abs(inp[f]!);
      const need = p > c ? limit / p : 1;
      // Monotonic deque (increasing gains): drop entries no smaller than the new one, then expired ones.
      let back = head + len - 1;
      if (back >= cap) back -= cap;
      while (len > 0 && dqGain[back]! >= need) {
        len--;
        back = back === 0 ? cap - 1 : back - 1;
      }
      let tail = head + len;
      if (tail >= cap) tail -= cap;
      dqTime[tail] = t;
      dqGain[tail] = need;
      len++;
      while (dqTime[head]! < t - L) {
        head = head + 1 === cap ? 0 : head + 1;
        len--;
      }
      t++;
      const held = dqGain[head]!;
      let r = rel + (1 - rel) * releaseCoeff;
      if (r > held) r = held;
      if (r === 1 || (held === 1 && r > 1 - RELEASE_SNAP)) r = 1;
      rel = r;
      const old = box[pos]!;
      if (old < 1) below--;
      if (r < 1) below++;
      box[pos] = r;
      pos = pos + 1 === W ? 0 : pos + 1;
      sum += r - old;
      let g = 1;
      if (below > 0) {
        g = sum / W;
        if (g > 1) g = 1;
        reduced++;
        if (g < minGain) minGain = g;
      } else sum = W;
      gains[f] = g;
    }
    this.dqHead = head;
    this.dqLen = len;
    this.time = t;
    this.release = rel;
    this.boxPos = pos;
    this.boxBelowOne = below;
    this.minGain = minGain;
    this.reducedFrames += reduced;
  }

  private emit(out: Int16Array, gains: Float64Array): void {
    const ch = this.channels;
    const frames = this.blockFrames;
    const ext = this.ext;
    const c = this.ceiling;
    let clamps = 0;
    for (let f = 0; f < frames; f++) {
      const g = gains[f]!;
      for (let k = 0; k < ch; k++) {
        const i = f * ch + k;
        let y = ext[i]! * g;
        if (y > c || y < -c) {
          y = y > 0 ? c : -c;
          clamps++;
        }
        // A 0 dBFS ceiling reaches +1.0, one step above Int16's largest value.
        out[i] = y >= 1 ? 32767 : Math.round(y * 32768);
      }
    }
    this.safetyClamps += clamps;
    // Keep the last L frames as the head of the next block's delay line.
    ext.copyWithin(0, frames * ch, ext.length);
  }
}
