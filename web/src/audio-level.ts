/** Root mean square of a block of samples in [-1, 1]; 0 for an empty block. */
export function rms(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] ?? 0;
    sum += s * s;
  }
  return Math.sqrt(sum / samples.length);
}

export interface AudioLevelMeterOptions {
  /**
   * How often the level is sampled. A timer rather than animation frames, so the meter keeps
   * reporting in background tabs and headless browsers.
   * @defaultValue 50
   */
  intervalMs: number;
  /**
   * Analyser window in samples (a power of two).
   * @defaultValue 2048
   */
  fftSize: number;
}

export const defaultAudioLevelMeterOptions: AudioLevelMeterOptions = { intervalMs: 50, fftSize: 2048 };

/**
 * Measures the level of a remote audio track with WebAudio and reports the current RMS and the
 * highest RMS seen since the meter was created.
 *
 * The analyser is not connected to the destination: the track plays through its own media element,
 * and Chrome only delivers remote WebRTC audio to WebAudio while such an element exists.
 */
export class AudioLevelMeter {
  readonly #ctx: AudioContext;
  readonly #opts: AudioLevelMeterOptions;
  readonly #onLevel: (level: number, maxLevel: number) => void;
  #source: MediaStreamAudioSourceNode | null = null;
  #analyser: AnalyserNode | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #buffer: Float32Array<ArrayBuffer> = new Float32Array(0);
  #max = 0;

  constructor(
    ctx: AudioContext,
    onLevel: (level: number, maxLevel: number) => void,
    opts: Partial<AudioLevelMeterOptions> = {},
  ) {
    this.#ctx = ctx;
    this.#onLevel = onLevel;
    this.#opts = { ...defaultAudioLevelMeterOptions, ...opts };
  }

  get maxLevel(): number {
    return this.#max;
  }

  /** Starts measuring a track, replacing any track measured before. */
  attach(track: MediaStreamTrack): void {
    this.detach();
    const analyser = this.#ctx.createAnalyser();
    analyser.fftSize = this.#opts.fftSize;
    analyser.smoothingTimeConstant = 0;
    const source = this.#ctx.createMediaStreamSource(new MediaStream([track]));
    source.connect(analyser);
    this.#source = source;
    this.#analyser = analyser;
    this.#buffer = new Float32Array(analyser.fftSize);
    if (this.#ctx.state === 'suspended') void this.#ctx.resume().catch(() => undefined);
    this.#timer = setInterval(() => this.#sample(), this.#opts.intervalMs);
  }

  /** Stops measuring and reports silence; the maximum is kept. */
  detach(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#source?.disconnect();
    this.#analyser?.disconnect();
    this.#source = null;
    this.#analyser = null;
    this.#onLevel(0, this.#max);
  }

  #sample(): void {
    if (this.#analyser === null) return;
    this.#analyser.getFloatTimeDomainData(this.#buffer);
    const level = rms(this.#buffer);
    if (level > this.#max) this.#max = level;
    this.#onLevel(level, this.#max);
  }
}
