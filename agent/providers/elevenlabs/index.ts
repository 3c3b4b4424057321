import * as elevenlabs from '@livekit/agents-plugin-elevenlabs';
import type { AgentConfig } from '../../config.ts';

/** ElevenLabs streaming TTS in the character's voice; undefined when no key is configured. */
export function createElevenLabsTTS(config: AgentConfig, voiceId: string): elevenlabs.TTS | undefined {
  if (!config.ELEVENLABS_API_KEY) return undefined;
  return new elevenlabs.TTS({
    apiKey: config.ELEVENLABS_API_KEY,
    voiceId,
    model: config.ELEVENLABS_MODEL,
    ...(config.ELEVENLABS_BASE_URL ? { baseURL: config.ELEVENLABS_BASE_URL } : {}),
  });
}
