import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { APIError, asLanguageCode, shortuuid, stt, type AudioBuffer } from '@livekit/agents';
import { AudioFrame, AudioResampler } from '@livekit/rtc-node';
import { PocketsphinxDecoder } from './pocketsphinx-decoder.ts';
import { buildPhraseGrammar, loadDictionaryWords } from './pocketsphinx-grammar.ts';
import { missingToolError, providerLogger, type Logger } from './tools.ts';

/** The en-us acoustic model was trained on 16 kHz audio. */
export const POCKETSPHINX_SAMPLE_RATE = 16_000;
// Shorter than this is a click, not a word; pocketsphinx would only guess.
const MIN_UTTERANCE_MS = 100;

export interface PocketsphinxSTTOptions {
  /**
   * Phrases to recognise exactly. When given, a JSGF grammar of these phrases decides first, and
   * the transcript is the phrase as written here. Phrases with words missing from the
   * pronouncing dictionary are left out (and logged). Empty means free dictation only.
   * @defaultValue `[]`
   */
  phrases: string[];
  /**
   * With phrases: when the grammar matches none, decode the utterance again as free dictation with
   * the en-us language model. False makes the phrases a closed vocabulary ('' for anything else).
   * @defaultValue true
   */
  dictationFallback: boolean;
  /**
   * Directory of the Debian `pocketsphinx-en-us` model: `en-us/` (acoustic model),
   * `en-us.lm.bin` (language model), `cmudict-en-us.dict` (pronunciations).
   * @defaultValue `'/usr/share/pocketsphinx/model/en-us'`
   */
  modelDir: string;
  /**
   * The pocketsphinx_batch executable, a name on PATH or an absolute path.
   * @defaultValue `'pocketsphinx_batch'`
   */
  executable: string;
  /**
   * Most HMMs active per frame in dictation (`-maxhmmpf`). Measured on espeak speech: 3000 halves
   * decode time against the tool's 30000 at the same word accuracy.
   * @defaultValue 3000
   */
  maxActiveHmms: number;
  /**
   * Give up on one utterance after this long plus its own duration; the decoder is then restarted.
   * @defaultValue 10000
   */
  timeoutMs: number;
}

export const defaultPocketsphinxSTTOptions: PocketsphinxSTTOptions = {
  phrases: [],
  dictationFallback: true,
  modelDir: '/usr/share/pocketsphinx/model/en-us',
  executable: 'pocketsphinx_batch',
  maxActiveHmms: 3000,
  timeoutMs: 10_000,
};

interface Decoders {
  grammar: PocketsphinxDecoder | undefined;
  dictation: PocketsphinxDecoder | undefined;
  phrases: Map<string, string>;
}

/**
 * Offline speech-to-text with CMU pocketsphinx 0.8 (Debian `pocketsphinx`, `pocketsphinx-en-us`).
 * Not streaming: the session's VAD cuts utterances and the framework wraps this STT in
 * `stt.StreamAdapter`, which calls `recognize()` once per utterance. Each utterance is resampled
 * to 16 kHz mono and decoded by a resident pocketsphinx_batch process (started on first use).
 *
 * Free dictation is weak: ≈ 40 % of words right on American-accent espeak speech, next to none
 * on British voices (the acoustic model is US English). With `phrases`, known sentences come back
 * exactly, in ≈ 30 ms. Confidence is 1 for a phrase match and 0 (unknown) for dictation:
 * pocketsphinx scores are not probabilities.
 */
export class PocketsphinxSTT extends stt.STT {
  label = 'offline.pocketsphinx';
  readonly #opts: PocketsphinxSTTOptions;
  readonly #logger: Logger;
  #decoders: Promise<Decoders> | undefined;

  constructor(opts: Partial<PocketsphinxSTTOptions> = {}) {
    super({ streaming: false, interimResults: false, alignedTranscript: false });
    this.#opts = { ...defaultPocketsphinxSTTOptions, ...opts };
    this.#logger = providerLogger(this.label);
  }

  get model(): string {
    return this.#opts.phrases.length ? 'pocketsphinx-en-us+phrases' : 'pocketsphinx-en-us';
  }

  get provider(): string {
    return 'offline';
  }

  /**
   * Starts the decoders and waits until their models are loaded (≈ 0.3–0.5 s for dictation), so the
   * first utterance of a call is not the one that pays for it.
   */
  async warmUp(): Promise<void> {
    const { grammar, dictation } = await this.#ready();
    const silence = new Int16Array(POCKETSPHINX_SAMPLE_RATE / 5);
    await Promise.all([grammar?.decode(silence), dictation?.decode(silence)]);
  }

  protected async _recognize(buffer: AudioBuffer, abortSignal?: AbortSignal): Promise<stt.SpeechEvent> {
    const pcm = toMono16k(Array.isArray(buffer) ? buffer : [buffer]);
    const audioMs = (pcm.length / POCKETSPHINX_SAMPLE_RATE) * 1000;
    const requestId = shortuuid('pocketsphinx_');
    let text = '';
    let source: 'phrase' | 'dictation' | 'none' = 'none';
    if (audioMs >= MIN_UTTERANCE_MS) {
      const started = performance.now();
      const { grammar, dictation, phrases } = await this.#ready();
      if (grammar) {
        const hyp = await grammar.decode(pcm, { signal: abortSignal });
        if (hyp) [text, source] = [phrases.get(hyp) ?? hyp, 'phrase'];
      }
      if (!text && dictation) {
        text = await dictation.decode(pcm, { signal: abortSignal });
        if (text) source = 'dictation';
      }
      this.#logger.debug(
        {
          requestId,
          audioMs: Math.round(audioMs),
          decodeMs: Math.round(performance.now() - started),
          source,
          pii: { text },
        },
        'utterance recognized',
      );
    }
    return {
      type: stt.SpeechEventType.FINAL_TRANSCRIPT,
      requestId,
      alternatives: [
        {
          language: asLanguageCode('en'),
          text,
          startTime: 0,
          endTime: audioMs / 1000,
          confidence: source === 'phrase' ? 1 : 0,
        },
      ],
    };
  }

  /** Non-streaming: the session wraps this STT in `stt.StreamAdapter` with its VAD instead. */
  stream(): stt.SpeechStream {
    throw new Error(
      'PocketsphinxSTT does not stream: wrap it in stt.StreamAdapter with a VAD (voice.AgentSession does this itself)',
    );
  }

  /** Stops the decoder processes. */
  async close(): Promise<void> {
    const decoders = this.#decoders;
    this.#decoders = undefined;
    const d = await decoders?.catch(() => undefined);
    await Promise.all([d?.grammar?.close(), d?.dictation?.close()]);
    await super.close();
  }

  #ready(): Promise<Decoders> {
    if (!this.#decoders) {
      const building = this.#build();
      this.#decoders = building;
      building.catch(() => {
        if (this.#decoders === building) this.#decoders = undefined; // retry on the next utterance
      });
    }
    return this.#decoders;
  }

  async #build(): Promise<Decoders> {
    const o = this.#opts;
    const hmm = join(o.modelDir, 'en-us');
    const lm = join(o.modelDir, 'en-us.lm.bin');
    const dict = join(o.modelDir, 'cmudict-en-us.dict');
    await Promise.all([hmm, lm, dict].map((p) => access(p))).catch(() => {
      throw missingToolError({
        command: `the pocketsphinx en-us model (${o.modelDir})`,
        packages: ['pocketsphinx-en-us'],
      });
    });
    const common = [
      '-hmm',
      hmm,
      '-dict',
      dict,
      '-samprate',
      String(POCKETSPHINX_SAMPLE_RATE),
      '-input_endian',
      'little',
    ];
    const decoder = (name: string, args: (dir: string) => string[], files?: Record<string, string>) =>
      new PocketsphinxDecoder(
        {
          name,
          executable: o.executable,
          args: (dir) => [...common, ...args(dir)],
          files,
          timeoutMs: o.timeoutMs,
        },
        this.#logger,
      );

    let grammar: PocketsphinxDecoder | undefined;
    let phrases = new Map<string, string>();
    if (o.phrases.length) {
      const built = buildPhraseGrammar(o.phrases, await loadDictionaryWords(dict));
      if (built.rejected.length) {
        this.#logger.warn(
          { rejected: built.rejected },
          'phrases with words pocketsphinx cannot pronounce were left out',
        );
      }
      if (built.jsgf)
        grammar = decoder('grammar', (dir) => ['-jsgf', join(dir, 'phrases.jsgf')], {
          'phrases.jsgf': built.jsgf,
        });
      phrases = built.phrases;
    }
    const dictation =
      !grammar || o.dictationFallback
        ? decoder('dictation', () => ['-lm', lm, '-maxhmmpf', String(o.maxActiveHmms)])
        : undefined;
    return { grammar, dictation, phrases };
  }
}

/**
 * Frames at any rate and channel count → one 16 kHz mono PCM16 buffer. Channels are averaged, then
 * resampled with the framework's own resampler (soxr in rtc-node).
 */
export function toMono16k(frames: readonly AudioFrame[]): Int16Array {
  const first = frames.find((f) => f.samplesPerChannel > 0);
  if (!first) return new Int16Array(0);
  const rate = first.sampleRate;
  if (frames.some((f) => f.samplesPerChannel > 0 && f.sampleRate !== rate)) {
    throw new APIError('an utterance mixes sample rates', { retryable: false });
  }
  const mono = frames.filter((f) => f.samplesPerChannel > 0).map(downmix);
  if (rate === POCKETSPHINX_SAMPLE_RATE) return concat(mono.map((f) => f.data));
  const resampler = new AudioResampler(rate, POCKETSPHINX_SAMPLE_RATE, 1);
  try {
    const out = mono.flatMap((f) => resampler.push(f));
    out.push(...resampler.flush());
    return concat(out.map((f) => f.data.subarray(0, f.samplesPerChannel)));
  } finally {
    resampler.close();
  }
}

// Copies even mono frames: rtc-node hands `data.buffer` to the native resampler and ignores a
// view's byteOffset, so a frame must own its buffer from byte 0.
function downmix(frame: AudioFrame): AudioFrame {
  const { channels, samplesPerChannel: n, data } = frame;
  if (channels === 1) return new AudioFrame(data.slice(0, n), frame.sampleRate, 1, n);
  const mono = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += data[i * channels + c]!;
    mono[i] = Math.round(sum / channels);
  }
  return new AudioFrame(mono, frame.sampleRate, 1, n);
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
