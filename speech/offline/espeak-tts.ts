import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  APIError,
  AudioByteStream,
  DEFAULT_API_CONNECT_OPTIONS,
  shortuuid,
  tokenize,
  tts,
  type APIConnectOptions,
} from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import type { EspeakVoice } from '../../protocol/index.ts';
import { espeakVoiceName, toEspeakText, WavStreamReader, type WavFormat } from './espeak-text.ts';
import { isMissingExecutable, missingToolError, providerLogger, StderrTail, type Logger } from './tools.ts';

/**
 * espeak-ng always synthesizes at 22,050 Hz. Frames go out at that rate, unresampled: the framework
 * already resamples to whatever the audio sink wants (24 kHz for RoomIO, the highest rate of the
 * chain inside a tts.FallbackAdapter) with one soxr resampler per reply, continuous across
 * sentences. Resampling here would add a second pass and a resampler flush at every sentence edge.
 */
export const ESPEAK_SAMPLE_RATE = 22_050;

/** 20 ms: the output's clearBuffer() waits for the frame in flight, so big frames delay barge-in. */
export const ESPEAK_FRAME_MS = 20;
const SAMPLES_PER_FRAME = (ESPEAK_SAMPLE_RATE * ESPEAK_FRAME_MS) / 1000; // 441

export interface EspeakTTSOptions {
  /**
   * Voice, variant, rate (words per minute) and pitch; a character's `voice.espeak`.
   * @defaultValue `{ voice: 'en-us', rate: 175, pitch: 50 }` (espeak-ng's own defaults)
   */
  voice: EspeakVoice;
  /**
   * The espeak-ng executable, a name looked up on PATH or an absolute path.
   * @defaultValue `'espeak-ng'`
   */
  executable: string;
}

export const defaultEspeakTTSOptions: EspeakTTSOptions = {
  voice: { voice: 'en-us', rate: 175, pitch: 50 },
  executable: 'espeak-ng',
};

/** How one espeak-ng process ended; `pid` is undefined when no process was needed (empty text). */
export interface EspeakExit {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Offline text-to-speech through the espeak-ng CLI: one process per synthesized text, PCM16 mono
 * at 22,050 Hz read from its stdout as it is produced, emitted as 20 ms frames.
 *
 * `capabilities.streaming` is false: espeak-ng takes whole texts, so the session wraps this TTS in
 * `tts.StreamAdapter`, which splits the LLM's output into sentences and synthesizes each in turn.
 * `stream()` builds that same adapter stream for callers that use it directly.
 */
export class EspeakTTS extends tts.TTS {
  label = 'offline.espeak-ng';
  #opts: EspeakTTSOptions;
  readonly #running = new Set<ChildProcessWithoutNullStreams>();
  readonly #streams = new Set<EspeakChunkedStream>();
  readonly #logger: Logger;

  constructor(opts: Partial<EspeakTTSOptions> = {}) {
    super(ESPEAK_SAMPLE_RATE, 1, { streaming: false });
    this.#opts = { ...defaultEspeakTTSOptions, ...opts };
    this.#logger = providerLogger(this.label);
  }

  get model(): string {
    return 'espeak-ng';
  }

  get provider(): string {
    return 'offline';
  }

  get options(): Readonly<EspeakTTSOptions> {
    return this.#opts;
  }

  /** Changes the voice for texts synthesized from now on (e.g. after a character handoff). */
  updateOptions(opts: Partial<EspeakTTSOptions>): void {
    this.#opts = { ...this.#opts, ...opts };
  }

  /** Number of espeak-ng processes alive right now. */
  get runningProcesses(): number {
    return this.#running.size;
  }

  synthesize(
    text: string,
    connOptions: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    abortSignal?: AbortSignal,
  ): EspeakChunkedStream {
    // Never retried: a retry would replay frames that already went out, and a local process
    // that failed once fails again.
    const stream = new EspeakChunkedStream(this, text, { ...connOptions, maxRetry: 0 }, abortSignal);
    this.#streams.add(stream);
    void stream.exited.then(() => this.#streams.delete(stream));
    return stream;
  }

  stream(options?: { connOptions?: APIConnectOptions }): tts.SynthesizeStream {
    return new tts.StreamAdapterWrapper(this, new tokenize.basic.SentenceTokenizer(), options?.connOptions);
  }

  /** Closes every synthesis still running (killing its process) and waits until they are gone. */
  async close(): Promise<void> {
    const streams = [...this.#streams];
    for (const stream of streams) stream.close();
    await Promise.all(streams.map((s) => s.exited));
    await super.close();
  }

  /** @internal Starts one espeak-ng process for `text` (already sanitized). */
  _spawn(text: string): EspeakProcess {
    const { voice, executable } = this.#opts;
    const args = [
      '--stdout',
      '--stdin', // read the whole text before speaking, so a long text keeps its prosody
      '-b',
      '1', // UTF-8 input
      '-v',
      espeakVoiceName(voice.voice, voice.variant),
      '-s',
      String(voice.rate),
      '-p',
      String(voice.pitch),
    ];
    const child = spawn(executable, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stderr = new StderrTail();
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    // espeak-ng exits before reading stdin when the voice is unknown: that EPIPE is reported
    // through the exit code, not as a stream error.
    child.stdin.on('error', () => {});
    const exit = new Promise<EspeakExit & { error?: APIError }>((resolve) => {
      let spawnFailed = false;
      child.once('error', (error) => {
        spawnFailed = true;
        this.#running.delete(child);
        resolve({
          pid: undefined,
          code: null,
          signal: null,
          error: isMissingExecutable(error)
            ? missingToolError({ command: executable, packages: ['espeak-ng'] })
            : new APIError(`espeak-ng could not start: ${error.message}`, { retryable: false }),
        });
      });
      child.once('close', (code, signal) => {
        this.#running.delete(child);
        if (spawnFailed) return; // already settled by 'error'
        const failed = code !== 0 && signal === null;
        resolve({
          pid: child.pid,
          code,
          signal,
          ...(failed && {
            error: new APIError(`espeak-ng exited with code ${code}: ${stderr.toString()}`, {
              retryable: false,
            }),
          }),
        });
      });
    });
    this.#running.add(child);
    child.stdin.end(text);
    return { child, exit };
  }

  /** @internal Reports a failed synthesis on the `error` event, as the framework's base class does. */
  _reportError(error: Error): void {
    this.#logger.warn({ error: error.message }, 'espeak-ng synthesis failed');
    // EventEmitter throws an 'error' nobody listens to; the session always listens.
    if (this.listenerCount('error') > 0) {
      this.emit('error', {
        type: 'tts_error',
        timestamp: Date.now(),
        label: this.label,
        error,
        recoverable: false,
      });
    }
  }
}

/** @internal */
interface EspeakProcess {
  child: ChildProcessWithoutNullStreams;
  exit: Promise<EspeakExit & { error?: APIError }>;
}

/**
 * One text's synthesis: frames are queued as espeak-ng writes them, not after it finishes.
 *
 * Failures are emitted on the TTS's `error` event and end the stream without audio, rather than
 * thrown from run(): agents 1.9 starts run() from the ChunkedStream constructor without a catch,
 * so a throw becomes an unhandled rejection (swallowed in job processes, fatal in scripts and
 * tests). The session counts the error all the same, and a tts.FallbackAdapter moves on when a
 * stream ends with no audio.
 */
export class EspeakChunkedStream extends tts.ChunkedStream {
  label = 'offline.espeak-ng.ChunkedStream';
  readonly #tts: EspeakTTS;
  #resolveExited!: (exit: EspeakExit) => void;
  /** Resolves once the espeak-ng process is gone, however the synthesis ended. */
  readonly exited: Promise<EspeakExit>;

  constructor(
    ttsInstance: EspeakTTS,
    text: string,
    connOptions: APIConnectOptions,
    abortSignal?: AbortSignal,
  ) {
    super(text, ttsInstance, connOptions, abortSignal);
    this.#tts = ttsInstance;
    this.exited = new Promise((resolve) => (this.#resolveExited = resolve));
  }

  protected async run(): Promise<void> {
    const text = toEspeakText(this.inputText);
    if (!text || this.abortSignal.aborted) {
      this.#resolveExited({ pid: undefined, code: 0, signal: null });
      return;
    }
    let spawned: EspeakProcess;
    try {
      spawned = this.#tts._spawn(text);
    } catch (error) {
      // spawn() throws synchronously on arguments it rejects (e.g. a NUL in the executable path).
      this.#resolveExited({ pid: undefined, code: null, signal: null });
      this.#tts._reportError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    const { child, exit } = spawned;
    const queue = this.queue; // the base swaps in a new queue per attempt
    const signal = this.abortSignal;
    const kill = () => child.kill('SIGKILL');
    signal.addEventListener('abort', kill, { once: true });
    void exit.then(({ pid, code, signal: killedBy }) => this.#resolveExited({ pid, code, signal: killedBy }));

    const requestId = shortuuid('espeak_');
    const wav = new WavStreamReader();
    const framer = new AudioByteStream(ESPEAK_SAMPLE_RATE, 1, SAMPLES_PER_FRAME);
    let held: AudioFrame | undefined; // the last frame is held back so it can be marked final
    let formatChecked = false;
    const send = (frame: AudioFrame, final: boolean) => {
      if (signal.aborted || queue.closed) return;
      queue.put({ requestId, segmentId: requestId, frame, final });
    };
    try {
      for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
        if (signal.aborted) break;
        const samples = wav.push(chunk);
        if (!formatChecked && wav.format) {
          assertEspeakFormat(wav.format);
          formatChecked = true;
        }
        for (const frame of framer.write(samples)) {
          if (held) send(held, false);
          held = frame;
        }
      }
      const ended = await exit;
      if (signal.aborted) return;
      if (ended.error) throw ended.error;
      if (ended.signal !== null)
        throw new APIError(`espeak-ng was killed by ${ended.signal}`, { retryable: false });
      for (const rest of framer.flush()) {
        if (held) send(held, false);
        held = padToFrame(rest);
      }
      if (held) send(held, true);
    } catch (error) {
      if (signal.aborted) return;
      this.#tts._reportError(error instanceof Error ? error : new Error(String(error)));
    } finally {
      signal.removeEventListener('abort', kill);
      if (child.exitCode === null && child.signalCode === null) kill();
    }
  }
}

function assertEspeakFormat(format: WavFormat): void {
  if (format.sampleRate !== ESPEAK_SAMPLE_RATE || format.channels !== 1 || format.bitsPerSample !== 16) {
    throw new APIError(`espeak-ng produced ${JSON.stringify(format)}, expected 22050 Hz mono PCM16`, {
      retryable: false,
    });
  }
}

/** The stream's last, shorter frame, padded with silence so every frame lasts 20 ms. */
function padToFrame(frame: AudioFrame): AudioFrame {
  if (frame.samplesPerChannel >= SAMPLES_PER_FRAME) return frame;
  const data = new Int16Array(SAMPLES_PER_FRAME);
  data.set(frame.data.subarray(0, frame.samplesPerChannel));
  return new AudioFrame(data, ESPEAK_SAMPLE_RATE, 1, SAMPLES_PER_FRAME);
}
