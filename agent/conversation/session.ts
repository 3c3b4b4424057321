import { inference, voice, type VAD } from '@livekit/agents';
import type { CharacterProviders } from '../../speech/index.ts';

/** Turn-taking settings of a companion session. Milliseconds throughout. */
export interface TurnTakingOptions {
  /** `vad` commits a turn after VAD silence + endpointing delay; `local-model` asks LiveKit's
   *  local end-of-turn model (turn-detector-v1-mini), never the cloud. @defaultValue 'vad' */
  turnDetection: 'vad' | 'local-model';
  /** @defaultValue 500 */
  endpointingMinDelayMs: number;
  /** @defaultValue 3000 */
  endpointingMaxDelayMs: number;
  /** Speech needed before the character is cut off (barge-in). @defaultValue 400 */
  interruptionMinDurationMs: number;
  /** No transcript this long after an interruption → it was false and the reply resumes. @defaultValue 2000 */
  falseInterruptionTimeoutMs: number;
  /** Start the LLM on the interim transcript before the turn is committed. @defaultValue true */
  preemptiveGeneration: boolean;
  /** Interruptions are ignored for this long after the character starts speaking, while the
   *  caller's echo canceller converges; null disables. @defaultValue 3000 (the framework's) */
  aecWarmupMs: number | null;
}

export const defaultTurnTakingOptions: TurnTakingOptions = {
  turnDetection: 'vad',
  endpointingMinDelayMs: 500,
  endpointingMaxDelayMs: 3000,
  interruptionMinDurationMs: 400,
  falseInterruptionTimeoutMs: 2000,
  preemptiveGeneration: true,
  aecWarmupMs: 3000,
};

/**
 * A voice.AgentSession wired for a companion: Silero VAD, local turn detection, VAD barge-in
 * with false-interruption resume. Interruption mode is pinned to `vad` and turn detection is
 * explicit, because the framework's automatic choices reach LiveKit Cloud when keys are set.
 */
export function createCompanionSession(
  providers: Pick<CharacterProviders, 'stt' | 'llm' | 'tts'>,
  vad: VAD,
  opts: Partial<TurnTakingOptions> = {},
): voice.AgentSession {
  const o = { ...defaultTurnTakingOptions, ...opts };
  return new voice.AgentSession({
    vad,
    stt: providers.stt,
    llm: providers.llm,
    tts: providers.tts,
    aecWarmupDuration: o.aecWarmupMs,
    turnHandling: {
      turnDetection: o.turnDetection === 'vad' ? 'vad' : new inference.TurnDetector({ version: 'v1-mini' }),
      endpointing: { minDelay: o.endpointingMinDelayMs, maxDelay: o.endpointingMaxDelayMs },
      interruption: {
        mode: 'vad',
        minDuration: o.interruptionMinDurationMs,
        falseInterruptionTimeout: o.falseInterruptionTimeoutMs,
        resumeFalseInterruption: true,
      },
      preemptiveGeneration: { enabled: o.preemptiveGeneration },
    },
  });
}
