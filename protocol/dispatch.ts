import { z } from 'zod';
import { BroadcastOutputKind } from './broadcasts.ts';
import { Character } from './characters.ts';
import { GroupSettings } from './group.ts';
import { SessionMode } from './sessions.ts';

/** The agent name the API dispatches and the worker registers. Explicit dispatch only. */
export const AGENT_NAME = 'troupe-companion';

/** Metadata of the agent dispatch carried in the caller's token: everything a job needs. */
export const DispatchMetadata = z.object({
  sessionId: z.string().uuid(),
  mode: SessionMode,
  character: Character,
  /** Identity of the caller the companion talks with. */
  callerIdentity: z.string(),
  callerName: z.string(),
  /** A group's characters in order (`character` is the first of them); absent for calls. */
  characters: z.array(Character).min(2).max(6).optional(),
  /** A group's floor rules with defaults applied; absent for calls. */
  settings: GroupSettings.optional(),
  /** Summaries of earlier calls between this caller and this character, newest first. */
  memories: z.array(z.string().max(4000)).max(20).optional(),
  /**
   * Set when the group is a broadcast: the job fetches its RTMP targets and chat credentials from
   * `GET /api/internal/broadcasts/:id/output`. Never secrets here: dispatch metadata reaches LiveKit.
   */
  broadcast: z.object({ id: z.string().uuid(), output: BroadcastOutputKind }).optional(),
  /** Which dispatch of the session's current wait for its agent this is, from 1 (for logs). */
  attempt: z.number().int().min(1).max(1000).optional(),
  /**
   * True when an earlier job of this session left or died mid-call: the job takes the conversation
   * up from the stored transcript instead of greeting.
   */
  resume: z.boolean().optional(),
});
export type DispatchMetadata = z.infer<typeof DispatchMetadata>;

/** Participant attributes the agent sets so clients can label the call. */
export const AgentAttributes = {
  /** `"true"` when any stage runs on offline providers. */
  offline: 'troupe.offline',
  /** JSON of ProviderInfo. */
  providers: 'troupe.providers',
  characterId: 'troupe.character',
} as const;

/** The identity the framework gives a job's own participant: `agent-<job id>`. */
export const JOB_IDENTITY_PREFIX = 'agent-';
export const isJobIdentity = (identity: string): boolean => identity.startsWith(JOB_IDENTITY_PREFIX);

/** A group character's participant identity. */
export const characterIdentity = (characterId: string): string => `character-${characterId}`;
export const CHARACTER_IDENTITY_PREFIX = 'character-';
