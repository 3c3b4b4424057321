import type { Turn, TurnMetrics, TurnSource } from '../../protocol/index.ts';

/**
 * A framework timing in seconds as milliseconds to 0.1 ms; null when unknown. Never negative: the
 * protocol refuses a negative metric, and with it the whole turn.
 */
export const msFromSeconds = (seconds: number | undefined): number | null =>
  seconds === undefined || !Number.isFinite(seconds) ? null : Math.max(0, Math.round(seconds * 10_000) / 10);

/** What a turn is made of; times are epoch milliseconds. */
export interface TurnFields {
  role: Turn['role'];
  speaker: string;
  speakerName: string;
  text: string;
  heardText: string;
  interrupted: boolean;
  startedAtMs: number;
  endedAtMs: number;
  /** The metrics that were measured; the others are null. */
  metrics?: Partial<TurnMetrics>;
  source?: TurnSource;
}

/**
 * A transcript turn as the API stores it, without its id (the caller derives that with `turnIdFor`):
 * both 1:1 calls and groups report through here, so a turn has one shape whoever spoke it.
 * A turn never ends before it started.
 */
export function turnReport(f: TurnFields): Omit<Turn, 'id'> {
  return {
    role: f.role,
    speaker: f.speaker,
    speakerName: f.speakerName,
    text: f.text,
    heardText: f.heardText,
    interrupted: f.interrupted,
    startedAt: new Date(f.startedAtMs).toISOString(),
    endedAt: new Date(Math.max(f.endedAtMs, f.startedAtMs)).toISOString(),
    metrics: {
      eouDelayMs: null,
      sttDelayMs: null,
      llmTtftMs: null,
      ttsTtfbMs: null,
      voiceToVoiceMs: null,
      ...f.metrics,
    },
    ...(f.source ? { source: f.source } : {}),
  };
}
