import { z } from 'zod';
import { Character, CharacterId } from './characters.ts';

export const SessionMode = z.enum(['call']);
export type SessionMode = z.infer<typeof SessionMode>;

/**
 * `POST /api/sessions`. `characterIds: [id]` is accepted as well as `characterId`
 * so that one shape can later carry group calls.
 */
export const CreateSessionRequest = z
  .object({
    mode: SessionMode,
    characterId: CharacterId.optional(),
    characterIds: z.array(CharacterId).length(1).optional(),
    /** Display name of the caller shown in transcripts. */
    displayName: z.string().trim().min(1).max(60).optional(),
  })
  .strict()
  .refine((b) => (b.characterId === undefined) !== (b.characterIds === undefined), {
    message: 'give exactly one of characterId or characterIds',
  });
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const CreateSessionResponse = z.object({
  sessionId: z.string().uuid(),
  roomName: z.string(),
  /** LiveKit server URL for the client (ws:// or wss://). */
  url: z.string(),
  /** Room token for the caller; its room config dispatches the agent. */
  token: z.string(),
  identity: z.string(),
  character: Character,
});
export type CreateSessionResponse = z.infer<typeof CreateSessionResponse>;

export const SessionStatus = z.enum(['created', 'active', 'ended']);
export type SessionStatus = z.infer<typeof SessionStatus>;

/** Which providers the agent actually runs for a session. */
export const ProviderInfo = z.object({
  stt: z.string().max(200),
  llm: z.string().max(200),
  tts: z.string().max(200),
  /** True when any stage runs on the offline defaults. */
  offline: z.boolean(),
});
export type ProviderInfo = z.infer<typeof ProviderInfo>;

/** Per-turn latency figures in milliseconds; null when a stage did not run. */
export const TurnMetrics = z.object({
  /** End of the caller's speech → turn committed (end-of-utterance delay). */
  eouDelayMs: z.number().nonnegative().nullable(),
  /** End of speech → final transcript available. */
  sttDelayMs: z.number().nonnegative().nullable(),
  llmTtftMs: z.number().nonnegative().nullable(),
  ttsTtfbMs: z.number().nonnegative().nullable(),
  /** End of the caller's speech → first audio of the reply. */
  voiceToVoiceMs: z.number().nonnegative().nullable(),
});
export type TurnMetrics = z.infer<typeof TurnMetrics>;

export const emptyTurnMetrics: TurnMetrics = {
  eouDelayMs: null,
  sttDelayMs: null,
  llmTtftMs: null,
  ttsTtfbMs: null,
  voiceToVoiceMs: null,
};

export const TurnRole = z.enum(['user', 'assistant']);
export type TurnRole = z.infer<typeof TurnRole>;

/** One utterance in a session's transcript as stored and returned by the API. */
export const Turn = z.object({
  /** Idempotency key chosen by the agent; a repeated report is a no-op. */
  id: z.string().uuid(),
  role: TurnRole,
  /** Participant identity (user) or character id (assistant). */
  speaker: z.string().min(1).max(128),
  /** Display name of the speaker. */
  speakerName: z.string().max(128),
  /** What was said (user) or what the character generated (assistant). */
  text: z.string().max(20_000),
  /** For an interrupted reply, only the part the caller heard; otherwise equal to text. */
  heardText: z.string().max(20_000),
  interrupted: z.boolean(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  metrics: TurnMetrics,
});
export type Turn = z.infer<typeof Turn>;

/** Body of the agent's report of one turn: `POST /api/internal/sessions/:id/turns`. */
export const TurnReport = Turn;
export type TurnReport = Turn;

/** Body of `POST /api/internal/sessions/:id/status`, sent by the agent when it starts. */
export const SessionStatusReport = z.object({
  status: z.literal('active'),
  providers: ProviderInfo,
});
export type SessionStatusReport = z.infer<typeof SessionStatusReport>;

/** A session without its transcript, as `GET /api/sessions` lists them. */
export const SessionSummary = z.object({
  id: z.string().uuid(),
  mode: SessionMode,
  roomName: z.string(),
  characterId: CharacterId,
  /** The account that started it; null for sessions from before accounts. */
  ownerId: z.string().uuid().nullable(),
  callerIdentity: z.string(),
  status: SessionStatus,
  providers: ProviderInfo.nullable(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  endedAt: z.iso.datetime().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const SessionList = z.object({ sessions: z.array(SessionSummary) });
export type SessionList = z.infer<typeof SessionList>;

export const SessionDetail = SessionSummary.extend({ transcript: z.array(Turn) });
export type SessionDetail = z.infer<typeof SessionDetail>;

/** Body of `POST /api/internal/sessions/:id/summary`: the companion's memory of the call. */
export const SessionSummaryReport = z.object({ summary: z.string().trim().min(1).max(4000) }).strict();
export type SessionSummaryReport = z.infer<typeof SessionSummaryReport>;
