// Voice previews for the builder: a short text spoken in a voice, as a WAV file. The TTS is built
// with the factories the agent's calls use (speech/), so the preview is what a call would sound
// like, and synthesized through the framework's tts.TTS.synthesize().
//
// One provider per preview, not a FallbackAdapter chain: a preview auditions a voice, and silently
// hearing espeak-ng when ElevenLabs refused the voice id would mislead. A failure is an error that
// names the provider.
import type { tts } from '@livekit/agents';
import type { CharacterVoice, PreviewProvider } from '../../protocol/index.ts';
import { createElevenLabsTTS } from '../../speech/elevenlabs/index.ts';
import { ensureFrameworkLogger } from '../../speech/framework-logger.ts';
import { EspeakTTS } from '../../speech/offline/index.ts';
import { createOpenAITTS, endpointFor } from '../../speech/openai/index.ts';
import type { ProviderOptions } from '../../speech/options.ts';
import { ConflictError, HttpError } from '../errors.ts';

export type PreviewVoiceProvider = Exclude<PreviewProvider, 'auto'>;

export interface VoicePreviewOptions {
  /** The providers of this server: ElevenLabs when it has a key, an OpenAI-compatible server when configured. */
  providers: ProviderOptions;
  /** Longest a preview may take to synthesize. @defaultValue 20000 */
  timeoutMs: number;
  /** The espeak-ng executable. @defaultValue 'espeak-ng' */
  espeakExecutable: string;
}

export interface VoicePreview {
  /** A RIFF/WAVE file: PCM16, mono, at `sampleRate`. */
  wav: Buffer;
  provider: PreviewVoiceProvider;
  sampleRate: number;
  durationMs: number;
}

export class VoicePreviewService {
  readonly #opts: VoicePreviewOptions;

  constructor(opts: Partial<VoicePreviewOptions> & Pick<VoicePreviewOptions, 'providers'>) {
    this.#opts = { timeoutMs: 20_000, espeakExecutable: 'espeak-ng', ...opts };
  }

  /** The provider `wanted` resolves to: `auto` picks the one a call would use first. */
  providerFor(wanted: PreviewProvider): PreviewVoiceProvider {
    const p = this.#opts.providers;
    const openai = endpointFor(p, 'tts') !== undefined;
    if (wanted === 'auto') return p.elevenlabs.apiKey ? 'elevenlabs' : openai ? 'openai' : 'espeak';
    if (wanted === 'elevenlabs' && !p.elevenlabs.apiKey)
      throw new ConflictError('ElevenLabs is not configured on this server (ELEVENLABS_API_KEY)');
    if (wanted === 'openai' && !openai)
      throw new ConflictError(
        'no OpenAI-compatible speech server is configured (TTS_BASE_URL, TTS_API_KEY or OPENAI_API_KEY)',
      );
    return wanted;
  }

  /** Speaks `text` in `voice`; throws an HttpError naming the provider when it cannot. */
  async preview(
    voice: CharacterVoice,
    text: string,
    wanted: PreviewProvider = 'auto',
  ): Promise<VoicePreview> {
    const provider = this.providerFor(wanted);
    ensureFrameworkLogger();
    const engine = this.#build(provider, voice);
    let failure: unknown;
    engine.on('error', (e: { error?: unknown }) => (failure ??= e.error));
    const chunks: Int16Array[] = [];
    let sampleRate = engine.sampleRate;
    let timedOut = false;
    try {
      const stream = engine.synthesize(text);
      guardMainTask(stream, (err) => (failure ??= err));
      const timer = setTimeout(() => {
        timedOut = true;
        stream.close();
      }, this.#opts.timeoutMs);
      try {
        for await (const audio of stream) {
          sampleRate = audio.frame.sampleRate;
          chunks.push(audio.frame.data.slice(0, audio.frame.samplesPerChannel * audio.frame.channels));
        }
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await engine.close().catch(() => {});
    }
    const samples = concat(chunks);
    if (timedOut)
      throw new HttpError(
        504,
        'upstream_unavailable',
        `${label(provider)} did not finish the preview in time`,
      );
    if (samples.length === 0) throw previewFailure(provider, failure);
    return {
      wav: wavFile(samples, sampleRate),
      provider,
      sampleRate,
      durationMs: Math.round((samples.length / sampleRate) * 1000),
    };
  }

  #build(provider: PreviewVoiceProvider, voice: CharacterVoice): tts.TTS {
    const p = this.#opts.providers;
    if (provider === 'elevenlabs') return createElevenLabsTTS(p.elevenlabs, voice.elevenlabs)!;
    if (provider === 'openai')
      return createOpenAITTS(endpointFor(p, 'tts')!, p.tts.model, voice.openai.voice, voice.openai.speed);
    return new EspeakTTS({ voice: voice.espeak, executable: this.#opts.espeakExecutable });
  }
}

/**
 * agents 1.9 starts a ChunkedStream's mainTask() from its constructor on a promise nobody catches,
 * so a failing provider (ElevenLabs answering 401) is an unhandled rejection: fatal to this
 * process. The task starts a microtask later, so replacing it on the instance right after
 * synthesize() returns catches the failure; the error still reaches the TTS's `error` event.
 */
function guardMainTask(stream: tts.ChunkedStream, onError: (err: unknown) => void): void {
  const s = stream as unknown as { mainTask: () => Promise<unknown> };
  const original = s.mainTask.bind(stream);
  s.mainTask = () => original().catch(onError);
}

const label = (p: PreviewVoiceProvider) =>
  ({ elevenlabs: 'ElevenLabs', openai: 'the OpenAI-compatible speech server', espeak: 'espeak-ng' })[p];

/** The error for a preview with no audio; the vendor's status code, never its response text. */
function previewFailure(provider: PreviewVoiceProvider, failure: unknown): HttpError {
  const status = (failure as { statusCode?: unknown } | undefined)?.statusCode;
  const message = failure instanceof Error ? failure.message : '';
  if (provider === 'espeak' && /not installed/.test(message))
    return new HttpError(503, 'upstream_unavailable', 'espeak-ng is not installed on this server');
  const said = typeof status === 'number' ? ` (it answered ${status})` : '';
  return new HttpError(502, 'upstream_unavailable', `${label(provider)} could not speak the preview${said}`, {
    provider,
    ...(typeof status === 'number' ? { upstreamStatus: status } : {}),
  });
}

function concat(chunks: Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A canonical 44-byte-header WAVE file around mono PCM16 samples. */
export function wavFile(samples: Int16Array, sampleRate: number): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, 44 + i * 2);
  return out;
}
