import type { ReadableStream } from 'node:stream/web';
import { TransformStream } from 'node:stream/web';
import { type llm, voice } from '@livekit/agents';

/** What a tapped LLM node reports of the text it streams. */
export interface GenerationTap {
  /** The text so far, after every chunk. */
  onText?(text: string): void;
  /** The whole text, once the stream ends. */
  onDone?(text: string): void;
}

/**
 * The framework's own LLM node for `agent`, with its text reported as it streams: an interrupted
 * reply can then be stored whole beside the part that was heard, and a group's next speaker can be
 * prepared as soon as the current reply's text is known.
 */
export async function tappedLlmNode(
  agent: voice.Agent,
  chatCtx: llm.ChatContext,
  toolCtx: llm.ToolContext,
  modelSettings: voice.ModelSettings,
  tap: GenerationTap,
  /** Applied to the framework's stream before it is tapped (e.g. moderation of what is said). */
  transform?: (stream: ReadableStream<llm.ChatChunk | string>) => ReadableStream<llm.ChatChunk | string>,
): Promise<ReadableStream<llm.ChatChunk | string> | null> {
  const raw = await voice.Agent.default.llmNode(agent, chatCtx, toolCtx, modelSettings);
  if (!raw) return null;
  const stream = transform ? transform(raw) : raw;
  let text = '';
  return stream.pipeThrough(
    new TransformStream<llm.ChatChunk | string, llm.ChatChunk | string>({
      transform: (chunk, controller) => {
        text += typeof chunk === 'string' ? chunk : (chunk.delta?.content ?? '');
        tap.onText?.(text);
        controller.enqueue(chunk);
      },
      flush: () => tap.onDone?.(text),
    }),
  );
}
