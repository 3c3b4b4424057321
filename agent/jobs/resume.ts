import { llm } from '@livekit/agents';
import { z } from 'zod';
import { Turn } from '../../protocol/index.ts';

const TranscriptAnswer = z.object({ transcript: z.array(Turn) });

/** The stored transcript of a session, for a job that takes its conversation up again. */
export async function fetchTranscript(
  apiUrl: string,
  token: string,
  sessionId: string,
  timeoutMs = 5000,
): Promise<Turn[]> {
  const res = await fetch(`${apiUrl}/api/internal/sessions/${sessionId}/transcript`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`transcript request failed with ${res.status}`);
  return TranscriptAnswer.parse(await res.json()).transcript;
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
