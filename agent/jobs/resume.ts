import { llm } from '@livekit/agents';
import type { DispatchMetadata, Turn } from '../../protocol/index.ts';
import type { ApiClient } from '../api-client.ts';
import type { Logger } from '../logger.ts';

/** How long a starting job waits for the stored conversation before it starts afresh. */
const TRANSCRIPT_TIMEOUT_MS = 1500;

/**
 * What a session already said, for a job that takes its conversation up again: a call whose earlier
 * job was lost (the API says so, or its transcript is not empty: the room may have been opened again
 * by a reconnecting browser). Empty when there is none or it could not be loaded in time.
 */
export async function storedTurns(
  api: ApiClient,
  meta: Pick<DispatchMetadata, 'sessionId' | 'resume'>,
  logger: Logger,
): Promise<Turn[]> {
  return api.transcript(meta.sessionId, TRANSCRIPT_TIMEOUT_MS).catch((err: unknown) => {
    if (meta.resume) logger.warn({ err }, 'could not load the conversation to resume; starting afresh');
    return [];
  });
}

/** The conversation so far as the LLM sees it: what was said, and of interrupted replies what was heard. */
export function chatContextOf(turns: readonly Turn[]): llm.ChatContext {
  const ctx = llm.ChatContext.empty();
  for (const turn of turns) {
    const content = turn.role === 'assistant' ? turn.heardText : turn.text;
    if (content.trim()) ctx.addMessage({ role: turn.role, content });
  }
  return ctx;
}
