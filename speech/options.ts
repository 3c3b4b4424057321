// Every setting the speech and language factories read, as one typed value. Each process builds it
// once from its own configuration (agent/config.ts, api/config.ts); nothing below knows an
// environment variable's name. No imports: the API's config reads the defaults without loading a
// plugin.

/** Settings every OpenAI-compatible stage falls back to when it has none of its own. */
export interface OpenAISharedOptions {
  /** The key of every stage without its own. @defaultValue undefined */
  apiKey: string | undefined;
  /** The base URL of every stage without its own; undefined with a key is OpenAI itself. @defaultValue undefined */
  baseUrl: string | undefined;
}

/**
 * One OpenAI-compatible stage (speech-to-text, the language model or text-to-speech). The stage is
 * configured when it has a key or a base URL, its own or the shared one; otherwise the offline
 * provider runs alone.
 */
export interface OpenAIStageOptions {
  /** The stage's own server (Ollama, vLLM, speaches, Kokoro-FastAPI); wins over the shared one. @defaultValue undefined */
  baseUrl: string | undefined;
  /** The stage's own key; wins over the shared one. @defaultValue undefined */
  apiKey: string | undefined;
  /** The model the stage asks for. */
  model: string;
}

/** ElevenLabs speech, for characters that have an ElevenLabs voice. */
export interface ElevenLabsOptions {
  /** Enables ElevenLabs; unset, it is never called. @defaultValue undefined */
  apiKey: string | undefined;
  /** API root ending in `/v1`, as the plugin takes it. @defaultValue undefined (the plugin's, {@link ELEVENLABS_DEFAULT_BASE_URL}) */
  baseUrl: string | undefined;
  /** @defaultValue 'eleven_flash_v2_5' */
  model: string;
}

/** ElevenLabs' API root, as the plugin spells it (with `/v1`). */
export const ELEVENLABS_DEFAULT_BASE_URL = 'https://api.elevenlabs.io/v1';

/** The providers that run with no account anywhere. */
export interface OfflineOptions {
  /**
   * Sentences the offline STT recognises exactly (a pocketsphinx phrase grammar, with free
   * dictation for anything else): names and stock questions of a demo. @defaultValue []
   */
  sttPhrases: string[];
}

/** The speech and language providers of a process: which vendors, where, with which models. */
export interface ProviderOptions {
  /** Shared by the three OpenAI-compatible stages. @defaultValue {apiKey: undefined, baseUrl: undefined} */
  openai: OpenAISharedOptions;
  /** Speech-to-text. @defaultValue model 'gpt-4o-mini-transcribe', no server of its own */
  stt: OpenAIStageOptions;
  /** The language model. @defaultValue model 'gpt-4.1-mini', no server of its own */
  llm: OpenAIStageOptions;
  /** Text-to-speech. @defaultValue model 'gpt-4o-mini-tts', no server of its own */
  tts: OpenAIStageOptions;
  /** @defaultValue no key, model 'eleven_flash_v2_5' */
  elevenlabs: ElevenLabsOptions;
  /** @defaultValue no phrases */
  offline: OfflineOptions;
}

/** Nothing configured: every stage runs offline. */
export const defaultProviderOptions: ProviderOptions = {
  openai: { apiKey: undefined, baseUrl: undefined },
  stt: { baseUrl: undefined, apiKey: undefined, model: 'gpt-4o-mini-transcribe' },
  llm: { baseUrl: undefined, apiKey: undefined, model: 'gpt-4.1-mini' },
  tts: { baseUrl: undefined, apiKey: undefined, model: 'gpt-4o-mini-tts' },
  elevenlabs: { apiKey: undefined, baseUrl: undefined, model: 'eleven_flash_v2_5' },
  offline: { sttPhrases: [] },
};

/** Some settings of each group; the rest keep their defaults. */
export type ProviderOptionsOverrides = { [K in keyof ProviderOptions]?: Partial<ProviderOptions[K]> };

/** The defaults with `overrides` merged in, one group at a time. */
export function providerOptions(overrides: ProviderOptionsOverrides = {}): ProviderOptions {
  const d = defaultProviderOptions;
  return {
    openai: { ...d.openai, ...overrides.openai },
    stt: { ...d.stt, ...overrides.stt },
    llm: { ...d.llm, ...overrides.llm },
    tts: { ...d.tts, ...overrides.tts },
    elevenlabs: { ...d.elevenlabs, ...overrides.elevenlabs },
    offline: { ...d.offline, ...overrides.offline },
  };
}
