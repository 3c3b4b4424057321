import { z } from 'zod';
import { Character, CharacterId, SearchWords } from './characters.ts';
import { GroupSettings } from './group.ts';

export const SessionMode = z.enum(['call', 'group']);
export type SessionMode = z.infer<typeof SessionMode>;

/** Display name of the person starting the session, shown in transcripts. */
const DisplayName = z.string().trim().min(1).max(60);

/** Characters in a group session, at most. People: see MAX_GROUP_HUMANS. */
export const MAX_GROUP_CHARACTERS = 6;
/** People in one group room, at most (the owner and their guests). */
export const MAX_GROUP_HUMANS = 8;

/** A 1:1 call. `characterIds: [id]` is accepted as well as `characterId`. */
export const CreateCallRequest = z
  .object({
    mode: z.literal('call'),
    characterId: CharacterId.optional(),
    characterIds: z.array(CharacterId).length(1).optional(),
    displayName: DisplayName.optional(),
  })
  .strict()
  .refine((b) => (b.characterId === undefined) !== (b.characterIds === undefined), {
    message: 'give exactly one of characterId or characterIds',
  });

/** A group call: 2–6 different characters, floor rules optional (defaults apply). */
export const CreateGroupRequest = z
  .object({
    mode: z.literal('group'),
    characterIds: z
      .array(CharacterId)
      .min(2)
      .max(MAX_GROUP_CHARACTERS)
      .refine((ids) => new Set(ids).size === ids.length, { message: 'characters must be different' }),
    displayName: DisplayName.optional(),
    settings: GroupSettings.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const ids = new Set(b.characterIds);
    const named = [
      ...(b.settings?.relationships ?? []).flatMap((r) => [r.from, r.to]),
      ...Object.keys(b.settings?.aliases ?? {}),
    ];
    for (const id of named)
      if (!ids.has(id))
        ctx.addIssue({ code: 'custom', path: ['settings'], message: `${id} is not one of characterIds` });
  });

/** `POST /api/sessions`. */
export const CreateSessionRequest = z.discriminatedUnion('mode', [CreateCallRequest, CreateGroupRequest]);
export type CreateSessionRequest = z.infer<typeof CreateSessionRequest>;

export const CreateSessionResponse = z.object({
  sessionId: z.string().uuid(),
  roomName: z.string(),
  /** LiveKit server URL for the client (ws:// or wss://). */
  url: z.string(),
  /** Room token for the caller; its room config dispatches the agent. */
  token: z.string(),
  identity: z.string(),
  /** The call's character; a group's first. */
  character: Character,
  /** A group's characters in order; absent for calls. */
  characters: z.array(Character).optional(),
});
export type CreateSessionResponse = z.infer<typeof CreateSessionResponse>;

/**
 * `created` until the room opens, `active` while it is open, `ended` when it closed, `failed` when
 * no agent joined it after every dispatch attempt (see AgentPresence).
 */
export const SessionStatus = z.enum(['created', 'active', 'ended', 'failed']);
export type SessionStatus = z.infer<typeof SessionStatus>;

/**
 * Whether the session's agent is in its room. `waiting`: dispatched, not joined yet (or lost and
 * dispatched again); `joined`: in the room; `failed`: no agent joined after every attempt, with a
 * reason a person can read; `none`: the session is over.
 */
export const AgentPresenceState = z.enum(['waiting', 'joined', 'failed', 'none']);
export type AgentPresenceState = z.infer<typeof AgentPresenceState>;

export const AgentPresence = z.object({
  state: AgentPresenceState,
  /** Dispatches made so far (the first one included). */
  attempts: z.number().int().nonnegative(),
  /** Since when the session has been waiting for its agent; null unless `waiting`. */
  waitingSince: z.iso.datetime().nullable(),
  /** Why no agent came (`failed`), or why the last one left (`waiting` after a loss). */
  reason: z.string().nullable(),
});
export type AgentPresence = z.infer<typeof AgentPresence>;

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
  /** Group calls: the previous character's last audio → this reply's first audio. */
  handoverGapMs: z.number().nonnegative().nullable().optional(),
});
export type TurnMetrics = z.infer<typeof TurnMetrics>;

export const emptyTurnMetrics: TurnMetrics = {
  eouDelayMs: null,
  sttDelayMs: null,
  llmTtftMs: null,
  ttsTtfbMs: null,
  voiceToVoiceMs: null,
  handoverGapMs: null,
};

/** `api`: a character's line or answer asked for through the show-control API. */
export const TurnSource = z.enum(['voice', 'chat', 'autonomous', 'api']);
export type TurnSource = z.infer<typeof TurnSource>;

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
  /**
   * Where a turn came from: speech in the room (default), chat, the characters' own initiative, or
   * (a character's turn) the show-control API.
   */
  source: TurnSource.optional(),
});
export type Turn = z.infer<typeof Turn>;

/** Body of the agent's report of one turn: `POST /api/internal/sessions/:id/turns`. */
export const TurnReport = Turn;
export type TurnReport = Turn;

/** Body of `POST /api/internal/sessions/:id/status`, sent by the agent when it starts. */
export const SessionStatusReport = z.object({
  status: z.literal('active'),
  providers: ProviderInfo,
  /** The job's participant identity in the room (confirms the dispatch). */
  identity: z.string().min(1).max(128).optional(),
});
export type SessionStatusReport = z.infer<typeof SessionStatusReport>;

/**
 * Body of `POST /api/internal/sessions/:id/job-accepted`: a worker accepted the session's job and is
 * starting it (which takes seconds, tens of seconds on a busy machine).
 */
export const JobAcceptedReport = z
  .object({
    /** LiveKit's id of the job. */
    jobId: z.string().min(1).max(128),
  })
  .strict();
export type JobAcceptedReport = z.infer<typeof JobAcceptedReport>;

/**
 * Body of `POST /api/internal/sessions/:id/job-ended`: a job of this session is gone, reported by
 * the job on its way out or by its worker when the job's process vanished. The API then checks the
 * room and dispatches again while people are still in it.
 */
export const JobEndedReport = z
  .object({
    /** The job's participant identity. */
    identity: z.string().min(1).max(128),
    /** `exited`: its worker saw the job's process go (crashed or finished); `worker_gone`: the job saw its worker die and left. */
    reason: z.enum(['exited', 'worker_gone']),
  })
  .strict();
export type JobEndedReport = z.infer<typeof JobEndedReport>;

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
  /** The agent's arrival, confirmed by the API. Always present in the API's answers. */
  agent: AgentPresence.optional(),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const SessionList = z.object({
  sessions: z.array(SessionSummary),
  /** The next page's cursor; null on the last page. Always present in the API's answers. */
  nextCursor: z.string().nullable().optional(),
});
export type SessionList = z.infer<typeof SessionList>;

/** Query of `GET /api/sessions`; any other parameter is a 400 naming it. */
export const SessionListQuery = z.strictObject({
  characterId: CharacterId.optional().describe('Sessions this character was in'),
  status: SessionStatus.optional(),
  mode: SessionMode.optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Created at or after this instant'),
  to: z.iso.datetime({ offset: true }).optional().describe('Created before this instant'),
  q: SearchWords.optional().describe('Words searched in the transcript'),
  ownerId: z.uuid().optional().describe("Operators: another account's sessions"),
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('Page size, 1–100'),
  cursor: z.string().min(1).max(1024).optional().describe("The previous page's nextCursor"),
});
export type SessionListQuery = z.infer<typeof SessionListQuery>;

/** Someone who was in a session's room (people, agents and recorders), from LiveKit's webhooks. */
export const SessionParticipant = z.object({
  identity: z.string(),
  name: z.string(),
  /** LiveKit's participant kind: `STANDARD`, `AGENT`, `SIP`, `EGRESS`, … */
  kind: z.string(),
  /** The first join. */
  joinedAt: z.iso.datetime(),
  /** The last leave; null while still in the room. */
  leftAt: z.iso.datetime().nullable(),
});
export type SessionParticipant = z.infer<typeof SessionParticipant>;

export const SessionDetail = SessionSummary.extend({
  /** Every character of the session in order (one for a call). Always present in the API's answers. */
  characterIds: z.array(CharacterId).optional(),
  /** A group's floor rules with defaults applied; null for calls. */
  settings: GroupSettings.nullable().optional(),
  transcript: z.array(Turn),
  /** Who was in the room, first joined first. Always present in the API's answers. */
  participants: z.array(SessionParticipant).optional(),
});
export type SessionDetail = z.infer<typeof SessionDetail>;

/** Body of `POST /api/internal/sessions/:id/summary`: the companion's memory of the call. */
export const SessionSummaryReport = z.object({ summary: z.string().trim().min(1).max(4000) }).strict();
export type SessionSummaryReport = z.infer<typeof SessionSummaryReport>;
