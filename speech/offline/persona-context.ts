import type { KnowledgePassage } from '../../protocol/index.ts';
import { keyWords } from './persona-replies.ts';

// What the persona brain reads back from its chat context, in the form the conversation writes it
// there: a turn's knowledge passages (a system message) and the caller's name in a remembered
// summary (the instructions). Writer and reader share this one definition of the text.

/** The fixed first line of the knowledge message, so the offline brain can find it. */
export const KNOWLEDGE_HEADER = 'What you know that may help (use it only if it answers the caller):';

/** The system message a turn's passages go into; one passage a line, with where it comes from. */
export function knowledgeMessage(passages: readonly KnowledgePassage[]): string {
  const lines = passages.map((p) => {
    const source = [p.title, p.heading].filter(Boolean).join(' › ');
    const text = p.content.replace(/\s+/g, ' ').trim();
    return source ? `- (${source}) ${text}` : `- ${text}`;
  });
  return [KNOWLEDGE_HEADER, ...lines].join('\n');
}

/** The passages' texts back out of a knowledge message, among a chat context's instructions. */
export function passagesIn(instructions: readonly string[]): string[] {
  const message = instructions.find((i) => i.startsWith(KNOWLEDGE_HEADER));
  if (!message) return [];
  return message
    .split('\n')
    .slice(1)
    .map((line) => line.replace(/^- (\([^)]*\) )?/, '').trim())
    .filter(Boolean);
}

/** Crude stemming, enough to match `lighthouses` with `lighthouse` and `keeps` with `keeper`. */
const stem = (w: string): string => w.slice(0, Math.max(4, w.length - 2));

/**
 * For the offline brain: the known sentence that best answers the caller's words, or undefined
 * when no passage shares a content word with them. Picks the sentence with the most shared words.
 */
export function answerFromKnowledge(passages: readonly string[], userText: string): string | undefined {
  const asked = new Set(keyWords(userText, 12).map(stem));
  if (asked.size === 0) return undefined;
  let best: { sentence: string; overlap: number } | undefined;
  for (const passage of passages) {
    for (const sentence of passage.split(/(?<=[.!?])\s+/)) {
      const words = new Set(keyWords(sentence, 64).map(stem));
      const overlap = [...asked].filter((w) => words.has(w)).length;
      if (overlap > 0 && (!best || overlap > best.overlap)) best = { sentence: sentence.trim(), overlap };
    }
  }
  return best?.sentence;
}

/** The fixed phrase a summary uses for the caller's name, so the offline brain can read it back. */
const NAME_FACT = /\bThe caller's name is ([A-Z][A-Za-z'-]{1,30})\./;
export const callerNameFact = (name: string) => `The caller's name is ${name}.`;

/** The caller's name as stated in remembered summaries, if any. */
export function rememberedCallerName(memories: readonly string[]): string | undefined {
  for (const memory of memories) {
    const name = NAME_FACT.exec(memory)?.[1];
    if (name) return name;
  }
  return undefined;
}
