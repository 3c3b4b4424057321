import * as elevenlabs from '@livekit/agents-plugin-elevenlabs';
import type { AgentConfig } from '../../config.ts';
import { backedByFallback } from '../recoverable.ts';

/** Always ahead of espeak-ng in a FallbackAdapter: see backedByFallback. */
class FallbackBackedElevenLabsTTS extends backedByFallback(elevenlabs.TTS) {}

/**
 * ElevenLabs streaming TTS in the character's voice, to be placed ahead of an offline fallback;
 * undefined when no key is configured.
 */
export function createElevenLabsTTS(config: AgentConfig, voiceId: string): elevenlabs.TTS | undefined {
  if (!config.ELEVENLABS_API_KEY) return undefined;
  return new FallbackBackedElevenLabsTTS({
    apiKey: config.ELEVENLABS_API_KEY,
    voiceId,
    model: config.ELEVENLABS_MODEL,
    ...(config.ELEVENLABS_BASE_URL ? { baseURL: config.ELEVENLABS_BASE_URL } : {}),
  });
}
