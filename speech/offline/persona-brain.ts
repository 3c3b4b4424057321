import { DEFAULT_API_CONNECT_OPTIONS, llm, shortuuid, type APIConnectOptions } from '@livekit/agents';
import type { Character } from '../../protocol/index.ts';
import { answerFromKnowledge, passagesIn, rememberedCallerName } from './persona-context.ts';
import { composeReply, type Turn } from './persona-replies.ts';
import { providerLogger, type Logger } from './tools.ts';

export interface PersonaBrainOptions {
  /**
   * How many of the latest user and assistant messages the reply looks at. The brain keeps no
   * state of its own: everything it knows about the conversation comes from the chat context.
   * @defaultValue 12
   */
  historyTurns: number;
}

export const defaultPersonaBrainOptions: PersonaBrainOptions = {
  historyTurns: 12,
};

/**
 * An offline stand-in for an LLM: answers in character from the persona and the recent
 * conversation in the chat context it is given, with a fixed, deterministic reply policy
 * (see persona-replies.ts). Streams the reply word by word, with no artificial delay. Tools are
 * ignored: it never calls one.
 */
export class PersonaBrain extends llm.LLM {
  readonly character: Character;
  readonly #opts: PersonaBrainOptions;
  readonly #logger: Logger;

  constructor(character: Character, opts: Partial<PersonaBrainOptions> = {}) {
    super();
    this.character = character;
    this.#opts = { ...defaultPersonaBrainOptions, ...opts };
    this.#logger = providerLogger(this.label()).child({ character: character.id });
  }

  label(): string {
    return 'offline.persona-brain';
  }

  get model(): string {
    return 'persona-brain';
  }

  get provider(): string {
    return 'offline';
  }

  chat({
    chatCtx,
    toolCtx,
    connOptions = DEFAULT_API_CONNECT_OPTIONS,
  }: {
    chatCtx: llm.ChatContext;
    toolCtx?: llm.ToolContextLike;
    connOptions?: APIConnectOptions;
  }): PersonaBrainStream {
    return new PersonaBrainStream(this, { chatCtx, toolCtx, connOptions }, this.#opts, this.#logger);
  }
}

/** The user and assistant messages of a chat context, oldest first, as plain text. */
export function turnsOf(chatCtx: llm.ChatContext, limit: number): Turn[] {
  const turns: Turn[] = [];
  for (const item of chatCtx.items) {
    if (item.type !== 'message' || (item.role !== 'user' && item.role !== 'assistant')) continue;
    const text = item.textContent?.trim();
    if (text) turns.push({ role: item.role, text });
  }
  return turns.slice(-limit);
}

export class PersonaBrainStream extends llm.LLMStream {
  readonly #brain: PersonaBrain;
  readonly #opts: PersonaBrainOptions;
  readonly #logger: Logger;

  constructor(
    brain: PersonaBrain,
    params: { chatCtx: llm.ChatContext; toolCtx?: llm.ToolContextLike; connOptions: APIConnectOptions },
    opts: PersonaBrainOptions,
    logger: Logger,
  ) {
    super(brain, params);
    this.#brain = brain;
    this.#opts = opts;
    this.#logger = logger;
  }

  protected async run(): Promise<void> {
    const turns = turnsOf(this.chatCtx, this.#opts.historyTurns);
    // Memories of earlier calls arrive in the system instructions, as with a real LLM.
    const instructions = this.chatCtx.items.flatMap((item) =>
      item.type === 'message' && (item.role === 'system' || item.role === 'developer')
        ? [item.textContent ?? '']
        : [],
    );
    const callerName = rememberedCallerName(instructions);
    // Knowledge retrieved for this turn arrives as a system message too: a matching fact answers.
    const lastUser = turns.at(-1)?.role === 'user' ? turns.at(-1)!.text : undefined;
    const known = lastUser ? answerFromKnowledge(passagesIn(instructions), lastUser) : undefined;
    const reply = known
      ? { text: known, intent: 'knowledge' as const }
      : composeReply(this.#brain.character, turns, callerName ? { callerName } : {});
    const id = shortuuid('persona_');
    // Word by word, each token carrying its leading space, as a real LLM's stream does.
    const tokens = reply.text.match(/\s*\S+/g) ?? [];
    for (const content of tokens) {
      if (this.abortController.signal.aborted || this.queue.closed) return;
      this.queue.put({ id, delta: { role: 'assistant', content } });
    }
    if (this.queue.closed) return;
    const promptTokens = turns.reduce((n, t) => n + t.text.split(/\s+/).length, 0);
    this.queue.put({
      id,
      usage: {
        completionTokens: tokens.length,
        promptTokens,
        promptCachedTokens: 0,
        totalTokens: promptTokens + tokens.length,
      },
    });
    this.#logger.debug({ intent: reply.intent, turns: turns.length, words: tokens.length }, 'persona reply');
  }
}
