import { createHash } from 'node:crypto';
import { type llm, voice } from '@livekit/agents';
import type { Turn } from '../../protocol/index.ts';
import { msFromSeconds as ms, turnReport } from './turn-report.ts';

/** Who is on the call, for naming speakers in the transcript. */
export interface CallParties {
  sessionId: string;
  callerIdentity: string;
  callerName: string;
  characterId: string;
  characterName: string;
}

/**
 * A stable UUID for a chat item of a session (name-based, SHA-1, RFC 9562 version 5 layout):
 * re-reporting the same item yields the same id, which is what makes reporting idempotent.
 */
export function turnIdFor(sessionId: string, itemId: string): string {
  const h = createHash('sha1').update(`${sessionId}/${itemId}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const epochMs = (seconds: number | undefined, fallbackMs: number): number =>
  seconds !== undefined ? seconds * 1000 : fallbackMs;

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Maps a chat message the framework added to the conversation into a transcript turn.
 * For an interrupted reply the framework's message holds only the heard part; the newest of
 * `generations` (recent LLM outputs) that continues the heard part becomes the turn's text.
 */
export function turnFromMessage(
  msg: llm.ChatMessage,
  parties: CallParties,
  context: { previousUser?: llm.ChatMessage; generations?: readonly string[] },
): Turn | undefined {
  if (msg.role !== 'user' && msg.role !== 'assistant') return undefined;
  const spoken = normalise(msg.textContent ?? '');
  if (!spoken) return undefined;
  const m = msg.metrics;
  const id = turnIdFor(parties.sessionId, msg.id);
  const startedAtMs = epochMs(m.startedSpeakingAt, msg.createdAt);
  const endedAtMs = epochMs(m.stoppedSpeakingAt, Date.now());
  if (msg.role === 'user') {
    return {
      id,
      ...turnReport({
        role: 'user',
        speaker: parties.callerIdentity,
        speakerName: parties.callerName,
        text: spoken,
        heardText: spoken,
        interrupted: false,
        startedAtMs,
        endedAtMs,
        metrics: { eouDelayMs: ms(m.endOfTurnDelay), sttDelayMs: ms(m.transcriptionDelay) },
      }),
    };
  }
  const generated = msg.interrupted
    ? (context.generations ?? []).map(normalise).find((g) => g.startsWith(spoken))
    : undefined;
  const text = generated ?? spoken;
  const userMetrics = context.previousUser?.metrics;
  return {
    id,
    ...turnReport({
      role: 'assistant',
      speaker: parties.characterId,
      speakerName: parties.characterName,
      text,
      heardText: spoken,
      interrupted: msg.interrupted,
      startedAtMs,
      endedAtMs,
      metrics: {
        eouDelayMs: ms(userMetrics?.endOfTurnDelay),
        sttDelayMs: ms(userMetrics?.transcriptionDelay),
        llmTtftMs: ms(m.llmNodeTtft),
        ttsTtfbMs: ms(m.ttsNodeTtfb),
        voiceToVoiceMs: ms(m.e2eLatency),
      },
    }),
  };
}

/**
 * Follows a session's conversation and hands every finished turn to `onTurn`.
 * Returns a function that stops following.
 */
export function followTurns(
  session: voice.AgentSession,
  parties: CallParties,
  onTurn: (turn: Turn) => void,
  generations: () => readonly string[] = () => [],
): () => void {
  let previousUser: llm.ChatMessage | undefined;
  const listener = (ev: voice.ConversationItemAddedEvent) => {
    const item = ev.item;
    if (item.type !== 'message') return;
    const turn = turnFromMessage(item, parties, {
      ...(previousUser ? { previousUser } : {}),
      ...(item.role === 'assistant' ? { generations: generations() } : {}),
    });
    if (item.role === 'user') previousUser = item;
    else if (item.role === 'assistant') previousUser = undefined;
    if (turn) onTurn(turn);
  };
  session.on(voice.AgentSessionEventTypes.ConversationItemAdded, listener);
  return () => session.off(voice.AgentSessionEventTypes.ConversationItemAdded, listener);
}
