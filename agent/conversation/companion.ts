import type { ReadableStream } from 'node:stream/web';
import { type llm, voice } from '@livekit/agents';
import type { Character } from '../../protocol/index.ts';
import type { Logger } from '../logger.ts';
import { knowledgeMessage, type KnowledgeSource } from './knowledge.ts';
import { tappedLlmNode } from './generation.ts';
import { personaInstructions } from './persona.ts';

/** Generations kept for matching an interrupted reply: preemptive generation for the next turn
 *  can start before the interrupted reply is committed, so the latest one is not always it. */
const KEPT_GENERATIONS = 4;

export interface CompanionOptions {
  /** What the character knows: passages for each user turn. @defaultValue undefined (none) */
  knowledge?: KnowledgeSource;
  logger?: Logger;
  /**
   * The conversation so far, when this job takes up a call whose earlier job was lost: the
   * companion continues it instead of greeting. @defaultValue undefined (a new call)
   */
  resumeFrom?: llm.ChatContext;
}

/** What a companion says when it comes back into a call it was lost from, with nothing left to answer. */
export const RESUME_LINE = 'Sorry, I lost you for a moment. Where were we?';

/**
 * One companion on a 1:1 call: persona as instructions, greets first, and remembers the text of
 * its recent generations so an interrupted turn can store both what was said and what was heard.
 */
export class CompanionAgent extends voice.Agent {
  readonly character: Character;
  #generations: Array<{ text: string }> = [];
  readonly #opts: CompanionOptions;

  constructor(character: Character, memories: readonly string[] = [], opts: CompanionOptions = {}) {
    super({
      instructions: personaInstructions(character, memories),
      ...(opts.resumeFrom ? { chatCtx: opts.resumeFrom } : {}),
    });
    this.character = character;
    this.#opts = opts;
  }

  /** Text of recent LLM generations (complete or not), newest first. */
  get recentGenerations(): string[] {
    return this.#generations.map((g) => g.text);
  }

  override async onEnter(): Promise<void> {
    const resumed = this.#opts.resumeFrom;
    if (!resumed) {
      this.session.say(this.character.greeting, { allowInterruptions: true });
      return;
    }
    // Taken up again: answer what the caller said last if the lost job never did.
    const last = resumed.items.findLast((item) => item.type === 'message');
    if (last?.type === 'message' && last.role === 'user') this.session.generateReply();
    else this.session.say(RESUME_LINE, { allowInterruptions: true });
  }

  /**
   * Puts the passages of the character's knowledge that match the caller's words into this turn's
   * context (the framework hands a copy: the next turn starts without them). A slow or failing
   * retrieval costs the turn its passages, never its reply.
   */
  override async onUserTurnCompleted(chatCtx: llm.ChatContext, newMessage: llm.ChatMessage): Promise<void> {
    const { knowledge, logger } = this.#opts;
    const query = newMessage.textContent?.trim();
    if (!knowledge || !query) return;
    const started = Date.now();
    try {
      const passages = await knowledge.retrieve(query);
      logger?.debug({ passages: passages.length, ms: Date.now() - started }, 'knowledge retrieved');
      if (passages.length > 0) chatCtx.addMessage({ role: 'system', content: knowledgeMessage(passages) });
    } catch (err) {
      logger?.warn({ err, ms: Date.now() - started }, 'turn goes on without knowledge');
    }
  }

  override async llmNode(
    chatCtx: llm.ChatContext,
    toolCtx: llm.ToolContext,
    modelSettings: voice.ModelSettings,
  ): Promise<ReadableStream<llm.ChatChunk | string> | null> {
    const generation = { text: '' };
    this.#generations = [generation, ...this.#generations].slice(0, KEPT_GENERATIONS);
    return tappedLlmNode(this, chatCtx, toolCtx, modelSettings, {
      onText: (text) => (generation.text = text),
    });
  }
}
