import { llm } from '@livekit/agents';
import { callerNameFact } from '../../speech/offline/persona-context.ts';
import { keyWords, userNameFrom } from '../../speech/offline/persona-replies.ts';

// The caller-name fact is defined beside the offline brain that reads it back.
export { rememberedCallerName } from '../../speech/offline/persona-context.ts';

// What a companion remembers of a call: a few sentences written at its end, handed to the next
// call between the same person and companion as part of the persona instructions.

export interface CallMemoryOptions {
  /** Longest summary kept, in characters. @defaultValue 600 */
  maxChars: number;
  /** How long the LLM may take to write the summary before the offline one is used. @defaultValue 10000 */
  llmTimeoutMs: number;
}

export const defaultCallMemoryOptions: CallMemoryOptions = { maxChars: 600, llmTimeoutMs: 10_000 };

/** Sentences where the caller tells something about themselves. */
const SELF_DISCLOSURE = /\b(i am|i'm|i like|i love|i hate|i have|i've|i work|i live|my)\b/i;

function turnsOf(history: llm.ChatContext): Array<{ role: 'user' | 'assistant'; text: string }> {
  return history.items.flatMap((item) =>
    item.type === 'message' && (item.role === 'user' || item.role === 'assistant') && item.textContent?.trim()
      ? [{ role: item.role, text: item.textContent.trim() }]
      : [],
  );
}

/**
 * A deterministic summary from the caller's own words: their name, what they said about
 * themselves, and the topics. Used with the offline brain and whenever the LLM cannot write one.
 */
export function offlineSummary(history: llm.ChatContext, callerName?: string): string | undefined {
  const turns = turnsOf(history);
  const userTurns = turns.filter((t) => t.role === 'user');
  if (userTurns.length === 0) return undefined;
  const name = userNameFrom(turns) ?? callerName;
  const disclosures = userTurns
    .flatMap((t) => t.text.split(/(?<=[.!?])\s+/))
    .filter((s) => SELF_DISCLOSURE.test(s) && !/\bmy name\b/i.test(s))
    .slice(-3);
  const topics = [...new Set(userTurns.flatMap((t) => keyWords(t.text, 2)))].slice(-5);
  return [
    name ? callerNameFact(name) : '',
    disclosures.length ? `They said: ${disclosures.map((s) => `"${s.replace(/"/g, "'")}"`).join(' ')}` : '',
    topics.length ? `You talked about ${topics.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

const SUMMARY_INSTRUCTIONS = [
  "You keep a companion's memory of a call. Summarise the call below in at most three sentences,",
  'in the third person about the caller: their name if they gave it (write it as',
  `"The caller's name is <Name>."), what they shared about themselves, and anything to pick up`,
  'next time. No preamble, no lists.',
].join(' ');

/** Asks the call's LLM for the summary; rejects on failure or timeout. */
async function llmSummary(model: llm.LLM, history: llm.ChatContext, timeoutMs: number): Promise<string> {
  const transcript = turnsOf(history)
    .map((t) => `${t.role === 'user' ? 'Caller' : 'Companion'}: ${t.text}`)
    .join('\n');
  const chatCtx = llm.ChatContext.empty();
  chatCtx.addMessage({ role: 'system', content: SUMMARY_INSTRUCTIONS });
  chatCtx.addMessage({ role: 'user', content: transcript });
  const stream = model.chat({ chatCtx });
  const timer = setTimeout(() => stream.close(), timeoutMs);
  let text = '';
  try {
    for await (const chunk of stream) text += chunk.delta?.content ?? '';
  } finally {
    clearTimeout(timer);
  }
  if (!text.trim()) throw new Error('the LLM returned an empty summary');
  return text;
}

/**
 * The memory of a call: written by `model` when one is given (a configured LLM), otherwise, or
 * when that fails, by `offlineSummary`. Undefined when the caller never spoke.
 */
export async function summarizeCall(
  history: llm.ChatContext,
  opts: { model?: llm.LLM; callerName?: string } & Partial<CallMemoryOptions> = {},
): Promise<string | undefined> {
  const o = { ...defaultCallMemoryOptions, ...opts };
  const offline = offlineSummary(history, opts.callerName);
  if (offline === undefined) return undefined;
  let summary = offline;
  if (opts.model) {
    summary = await llmSummary(opts.model, history, o.llmTimeoutMs).catch(() => offline);
  }
  summary = summary.replace(/\s+/g, ' ').trim();
  return summary.length > o.maxChars ? `${summary.slice(0, o.maxChars - 1)}…` : summary;
}
