import * as openai from '@livekit/agents-plugin-openai';
import type { ProviderOptions } from '../options.ts';
import { backedByFallback } from '../recoverable.ts';

// Every configured provider runs ahead of an offline fallback: see backedByFallback.
class FallbackBackedLLM extends backedByFallback(openai.LLM) {}
class FallbackBackedSTT extends backedByFallback(openai.STT) {}
class FallbackBackedTTS extends backedByFallback(openai.TTS) {}

/** Connection settings of one OpenAI-compatible stage, or undefined when the stage is not configured. */
export interface OpenAIEndpoint {
  apiKey: string;
  baseURL?: string;
}

/**
 * A stage is configured when it has a key or a base URL, its own or the shared one (local servers
 * such as Ollama or speaches need no key, but the OpenAI client insists on one string, so a
 * placeholder is used).
 */
export function endpointFor(
  options: Pick<ProviderOptions, 'openai' | 'stt' | 'llm' | 'tts'>,
  stage: 'stt' | 'llm' | 'tts',
): OpenAIEndpoint | undefined {
  const baseURL = options[stage].baseUrl ?? options.openai.baseUrl;
  const apiKey = options[stage].apiKey ?? options.openai.apiKey;
  if (!apiKey && !baseURL) return undefined;
  return { apiKey: apiKey ?? 'not-needed', ...(baseURL ? { baseURL } : {}) };
}

export function createOpenAILLM(endpoint: OpenAIEndpoint, model: string): openai.LLM {
  return new FallbackBackedLLM({ ...endpoint, model });
}

/**
 * Posts each VAD-segmented utterance to `/audio/transcriptions`. The realtime WebSocket mode is
 * OpenAI-only; the file endpoint is what OpenAI-compatible servers (speaches, vLLM) implement.
 */
export function createOpenAISTT(endpoint: OpenAIEndpoint, model: string): openai.STT {
  return new FallbackBackedSTT({ ...endpoint, model, useRealtime: false, language: 'en' });
}

export function createOpenAITTS(
  endpoint: OpenAIEndpoint,
  model: string,
  voice: string,
  speed?: number,
): openai.TTS {
  // The plugin types voice as OpenAI's own list; compatible servers (Kokoro) accept other names.
  return new FallbackBackedTTS({
    ...endpoint,
    model,
    voice: voice as openai.TTSOptions['voice'],
    ...(speed !== undefined ? { speed } : {}),
  });
}
