/**
 * Speech providers that run with no account anywhere: espeak-ng for speech, pocketsphinx for
 * recognition and a rule-based persona brain in place of an LLM. Each is a framework provider
 * (tts.TTS, stt.STT, llm.LLM), so sessions and fallback adapters take them like any plugin.
 */
export {
  EspeakChunkedStream,
  EspeakTTS,
  ESPEAK_FRAME_MS,
  ESPEAK_SAMPLE_RATE,
  defaultEspeakTTSOptions,
  type EspeakExit,
  type EspeakTTSOptions,
} from './espeak-tts.ts';
export {
  PocketsphinxSTT,
  POCKETSPHINX_SAMPLE_RATE,
  defaultPocketsphinxSTTOptions,
  type PocketsphinxSTTOptions,
} from './pocketsphinx-stt.ts';
export {
  PersonaBrain,
  PersonaBrainStream,
  defaultPersonaBrainOptions,
  type PersonaBrainOptions,
} from './persona-brain.ts';
export { composeReply, type Intent, type Reply, type Turn } from './persona-replies.ts';
