/* eslint-disable @typescript-eslint/no-explicit-any -- a TypeScript mixin's base must be a constructor
   of `any[]` arguments, and each provider types its own emit() */
/**
 * Wraps a provider class (stt.STT, llm.LLM, tts.TTS) so that its errors are reported as
 * recoverable. Only for providers that always run ahead of an offline fallback in a
 * FallbackAdapter: the adapters forward every error of their instances to the AgentSession,
 * including those of the recovery probes they send a failed provider every few seconds, and the
 * session ends itself after a few unrecoverable errors with no speech in between. An ElevenLabs
 * outage ended a quiet call about 20 s in while espeak-ng was speaking every reply
 * (test/elevenlabs.test.ts). A turn that no provider can serve is still reported as
 * unrecoverable, by the adapter itself.
 */
export function backedByFallback<
  T extends abstract new (...args: any[]) => { emit(event: any, ...args: any[]): boolean },
>(Base: T) {
  abstract class FallbackBacked extends Base {
    override emit(event: string, ...args: unknown[]): boolean {
      if (event === 'error' && typeof args[0] === 'object' && args[0] !== null) {
        return super.emit(event, { ...args[0], recoverable: true });
      }
      return super.emit(event, ...args);
    }
  }
  return FallbackBacked;
}
