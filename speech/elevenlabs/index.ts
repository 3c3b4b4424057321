import * as elevenlabs from '@livekit/agents-plugin-elevenlabs';
import type { CharacterVoice } from '../../protocol/index.ts';
import type { ElevenLabsOptions } from '../options.ts';
import { backedByFallback } from '../recoverable.ts';

/** Always ahead of espeak-ng in a FallbackAdapter: see backedByFallback. */
class FallbackBackedElevenLabsTTS extends backedByFallback(elevenlabs.TTS) {}

/**
 * ElevenLabs streaming TTS in the character's voice, to be placed ahead of an offline fallback;
 * undefined when no key is configured.
 */
export function createElevenLabsTTS(
  options: ElevenLabsOptions,
  voice: CharacterVoice['elevenlabs'],
): elevenlabs.TTS | undefined {
  if (!options.apiKey) return undefined;
  const tuned = voice.stability !== undefined || voice.similarity !== undefined || voice.speed !== undefined;
  return new FallbackBackedElevenLabsTTS({
    apiKey: options.apiKey,
    voiceId: voice.voiceId,
    model: options.model,
    // ElevenLabs needs both numbers once any setting is sent; theirs are the defaults (0.5, 0.75).
    ...(tuned
      ? {
          voiceSettings: {
            stability: voice.stability ?? 0.5,
            similarity_boost: voice.similarity ?? 0.75,
            ...(voice.speed !== undefined ? { speed: voice.speed } : {}),
          },
        }
      : {}),
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
  });
}
