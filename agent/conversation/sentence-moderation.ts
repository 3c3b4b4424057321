import type { ReadableStream } from 'node:stream/web';
import { TransformStream } from 'node:stream/web';
import type { llm } from '@livekit/agents';

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
