import type { ReadableStream } from 'node:stream/web';
import { TransformStream } from 'node:stream/web';
import { type llm, voice } from '@livekit/agents';
import type { Character } from '../../protocol/index.ts';
import { personaInstructions } from './persona.ts';

/** Generations kept for matching an interrupted reply: preemptive generation for the next turn
 *  can start before the interrupted reply is committed, so the latest one is not always it. */
const KEPT_GENERATIONS = 4;

/**
 * One companion on a 1:1 call: persona as instructions, greets first, and remembers the text of
 * its recent generations so an interrupted turn can store both what was said and what was heard.
 */
export class CompanionAgent extends voice.Agent {
  readonly character: Character;
  #generations: Array<{ text: string }> = [];

  constructor(character: Character, memories: readonly string[] = []) {
    super({ instructions: personaInstructions(character, memories) });
    this.character = character;
  }

  /** Text of recent LLM generations (complete or not), newest first. */
  get recentGenerations(): string[] {
    return this.#generations.map((g) => g.text);
  }

  override async onEnter(): Promise<void> {
    this.session.say(this.character.greeting, { allowInterruptions: true });
  }

  override async llmNode(
    chatCtx: llm.ChatContext,
    toolCtx: llm.ToolContext,
    modelSettings: voice.ModelSettings,
  ): Promise<ReadableStream<llm.ChatChunk | string> | null> {
    const stream = await voice.Agent.default.llmNode(this as voice.Agent, chatCtx, toolCtx, modelSettings);
    if (!stream) return null;
    const generation = { text: '' };
    this.#generations = [generation, ...this.#generations].slice(0, KEPT_GENERATIONS);
    return stream.pipeThrough(
      new TransformStream<llm.ChatChunk | string, llm.ChatChunk | string>({
        transform: (chunk, controller) => {
          generation.text += typeof chunk === 'string' ? chunk : (chunk.delta?.content ?? '');
          controller.enqueue(chunk);
        },
      }),
    );
  }
}
