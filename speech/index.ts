import { llm, stt, tts, type VAD } from '@livekit/agents';
import type { Character, ProviderInfo } from '../protocol/index.ts';
import { createElevenLabsTTS } from './elevenlabs/index.ts';
import { EspeakTTS, PersonaBrain, PocketsphinxSTT } from './offline/index.ts';
import { createOpenAILLM, createOpenAISTT, createOpenAITTS, endpointFor } from './openai/index.ts';
import type { ProviderOptions } from './options.ts';

/** The three models a character speaks through, and a description of them for logs and the UI. */
export interface CharacterProviders {
  stt: stt.STT;
  llm: llm.LLM;
  tts: tts.TTS;
  info: ProviderInfo;
  /** The configured (non-offline) LLM, if any: it writes the call's memory at the end. */
  configuredLlm?: llm.LLM;
  /** Loads local models ahead of the first turn (pocketsphinx takes 0.3–0.5 s the first time). */
  warmUp(): Promise<void>;
}

interface Chain<T> {
  instances: T[];
  labels: string[];
}

function chain<T>(...entries: Array<[T | undefined, string]>): Chain<T> {
  const present = entries.filter((e): e is [T, string] => e[0] !== undefined);
  return { instances: present.map((e) => e[0]), labels: present.map((e) => e[1]) };
}

function sttChainFor(options: ProviderOptions): { offlineStt: PocketsphinxSTT; sttChain: Chain<stt.STT> } {
  const sttEndpoint = endpointFor(options, 'stt');
  const offlineStt = new PocketsphinxSTT({ phrases: options.offline.sttPhrases });
  const sttChain = chain<stt.STT>(
    [
      sttEndpoint && createOpenAISTT(sttEndpoint, options.stt.model),
      `openai-compatible:${options.stt.model}`,
    ],
    [offlineStt, 'offline:pocketsphinx'],
  );
  return { offlineStt, sttChain };
}

/** Speech-to-text alone (group calls transcribe each person with their own), with its fallback. */
export function buildStt(
  options: ProviderOptions,
  vad: VAD,
): { stt: stt.STT; label: string; warmUp(): Promise<void> } {
  const { offlineStt, sttChain } = sttChainFor(options);
  return {
    stt:
      sttChain.instances.length === 1
        ? sttChain.instances[0]!
        : new stt.FallbackAdapter({ sttInstances: sttChain.instances, vad }),
    label: sttChain.labels.join(' → '),
    warmUp: () => (sttChain.instances[0] === offlineStt ? offlineStt.warmUp() : Promise.resolve()),
  };
}

/**
 * Builds the character's STT, LLM and TTS from the provider options. Each configured provider is
 * backed by the offline one through the framework's FallbackAdapter, so a failing provider degrades
 * the call instead of ending it; with nothing configured the offline providers run alone.
 */
export function buildProviders(character: Character, options: ProviderOptions, vad: VAD): CharacterProviders {
  const llmEndpoint = endpointFor(options, 'llm');
  const ttsEndpoint = endpointFor(options, 'tts');

  const { offlineStt, sttChain } = sttChainFor(options);
  const configuredLlm = llmEndpoint && createOpenAILLM(llmEndpoint, options.llm.model);
  const llmChain = chain<llm.LLM>(
    [configuredLlm, `openai-compatible:${options.llm.model}`],
    [new PersonaBrain(character), 'offline:persona-brain'],
  );
  const ttsChain = chain<tts.TTS>(
    [
      createElevenLabsTTS(options.elevenlabs, character.voice.elevenlabs),
      `elevenlabs:${options.elevenlabs.model}`,
    ],
    [
      ttsEndpoint &&
        createOpenAITTS(
          ttsEndpoint,
          options.tts.model,
          character.voice.openai.voice,
          character.voice.openai.speed,
        ),
      `openai-compatible:${options.tts.model}`,
    ],
    [new EspeakTTS({ voice: character.voice.espeak }), 'offline:espeak-ng'],
  );

  const primaries = [sttChain.labels[0], llmChain.labels[0], ttsChain.labels[0]];
  return {
    stt:
      sttChain.instances.length === 1
        ? sttChain.instances[0]!
        : new stt.FallbackAdapter({ sttInstances: sttChain.instances, vad }),
    llm:
      llmChain.instances.length === 1
        ? llmChain.instances[0]!
        : new llm.FallbackAdapter({ llms: llmChain.instances }),
    tts:
      ttsChain.instances.length === 1
        ? ttsChain.instances[0]!
        : new tts.FallbackAdapter({ ttsInstances: ttsChain.instances }),
    info: {
      stt: sttChain.labels.join(' → '),
      llm: llmChain.labels.join(' → '),
      tts: ttsChain.labels.join(' → '),
      offline: primaries.some((label) => label?.startsWith('offline:')),
    },
    ...(configuredLlm ? { configuredLlm } : {}),
    // Only when it is the primary STT: as a fallback its ~100 MB process starts on first use.
    warmUp: () => (sttChain.instances[0] === offlineStt ? offlineStt.warmUp() : Promise.resolve()),
  };
}
