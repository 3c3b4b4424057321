import { llm } from '@livekit/agents';
import type { AddresseeRequest, ChooseAddressee } from './addressing.ts';

/** The instruction the addressing model gets; it must answer with JSON only. */
function prompt(req: AddresseeRequest): string {
  const cast = req.characters.map((c) => `- ${c.id}: ${c.name}`).join('\n');
  const recent = req.recent.map((l) => `${l.name}: ${l.text}`).join('\n');
  return [
    'You decide who a line in a group voice conversation is addressed to. The characters:',
    cast,
    recent ? `The conversation just before:\n${recent}` : '',
    `The line, said by ${req.utterance.name}: "${req.utterance.text}"`,
    'Answer with JSON only: {"addressees": [character ids, in the order they should answer]}.',
    'Use [] when the line is for nobody in particular.',
  ]
    .filter(Boolean)
    .join('\n\n');
}

/** The ids in a model's answer, in its order, keeping only the cast's; [] when it is not JSON. */
export function parseAddressees(answer: string, characters: AddresseeRequest['characters']): string[] {
  const json = /\{[\s\S]*\}/u.exec(answer)?.[0];
  if (!json) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  const ids = (parsed as { addressees?: unknown }).addressees;
  if (!Array.isArray(ids)) return [];
  const known = new Set(characters.map((c) => c.id));
  return [...new Set(ids.filter((id): id is string => typeof id === 'string' && known.has(id)))];
}

/**
 * The floor's `chooseAddressee` hook on a configured LLM (`addressing: "llm"`): one short
 * completion per unnamed utterance. The floor gives it `addressingTimeoutMs` and falls back to the
 * heuristic when it is late, fails or is aborted.
 */
export function llmAddressee(model: llm.LLM): ChooseAddressee {
  return async (req, signal) => {
    const chatCtx = llm.ChatContext.empty();
    chatCtx.addMessage({ role: 'user', content: prompt(req) });
    const stream = model.chat({ chatCtx });
    const abort = () => stream.close();
    signal.addEventListener('abort', abort, { once: true });
    let answer = '';
    try {
      for await (const chunk of stream) answer += chunk.delta?.content ?? '';
    } finally {
      signal.removeEventListener('abort', abort);
    }
    if (signal.aborted) throw new Error('addressing aborted');
    return parseAddressees(answer, req.characters);
  };
}
