import type { ReadableStream } from 'node:stream/web';
import { TransformStream } from 'node:stream/web';
import type { llm } from '@livekit/agents';
import type { AgentConfig } from '../config.ts';
import {
  ModerationEndpoint,
  type ModerationOptions,
  Moderator,
  moderateOutgoingWithEndpoint,
} from './chat/moderation.ts';

/** A sentence in, what may be said instead out. */
export type SentenceModerator = (sentence: string) => Promise<string>;

// A sentence ends at . ! ? … (with closing quotes or brackets) followed by white space.
const SENTENCE_END = /(?<=[.!?…]["')\]]*)\s+/u;

/**
 * The LLM's text with every complete sentence moderated before TTS and the transcript see it, so a
 * stream never speaks (or captions) a blocked word or a link. Text is held only until its sentence
 * ends, which a non-streaming TTS waits for anyway; chunks without text pass straight through.
 */
export function moderateSentences(
  stream: ReadableStream<llm.ChatChunk | string>,
  moderate: SentenceModerator,
): ReadableStream<llm.ChatChunk | string> {
  let pending = '';
  return stream.pipeThrough(
    new TransformStream<llm.ChatChunk | string, llm.ChatChunk | string>({
      transform: async (chunk, controller) => {
        const text = typeof chunk === 'string' ? chunk : (chunk.delta?.content ?? '');
        if (!text) {
          if (typeof chunk !== 'string') controller.enqueue(chunk);
          return;
        }
        pending += text;
        const parts = pending.split(SENTENCE_END);
        pending = parts.pop() ?? '';
        for (const sentence of parts) if (sentence.trim()) controller.enqueue(`${await moderate(sentence)} `);
      },
      flush: async (controller) => {
        if (pending.trim()) controller.enqueue(await moderate(pending));
      },
    }),
  );
}

/**
 * A broadcast's word rules from the worker's settings, the same for chat in and speech out: the
 * English word list unless CHAT_PROFANITY_FILTER is false, plus CHAT_BLOCKLIST.
 */
export const broadcastModerationOptions = (
  config: Pick<AgentConfig, 'CHAT_BLOCKLIST' | 'CHAT_PROFANITY_FILTER'>,
): Partial<ModerationOptions> => ({
  blocklist: config.CHAT_BLOCKLIST,
  profanityFilter: config.CHAT_PROFANITY_FILTER,
});

/**
 * What a broadcast's characters may say: the chat moderator's rules (the English word list,
 * CHAT_BLOCKLIST, links) and, with MODERATION_BASE_URL, an OpenAI-compatible `/moderations`
 * endpoint that fails closed.
 */
export function speechModerator(config: AgentConfig): SentenceModerator {
  const moderator = new Moderator(broadcastModerationOptions(config));
  const endpoint = config.MODERATION_BASE_URL
    ? new ModerationEndpoint({
        baseUrl: config.MODERATION_BASE_URL,
        ...(config.MODERATION_API_KEY ? { apiKey: config.MODERATION_API_KEY } : {}),
      })
    : undefined;
  return async (sentence) => (await moderateOutgoingWithEndpoint(moderator, endpoint, sentence)).text;
}
