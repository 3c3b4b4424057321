import { KnowledgeRetrievalResponse, type KnowledgePassage } from '../../protocol/index.ts';
import { keyWords } from '../providers/offline/persona-replies.ts';

// What a character knows, brought into one turn: the passages of its documents and lorebook that
// match what the caller just said, fetched from the API and put into that turn's context only.

export interface KnowledgeClientOptions {
  /** Base URL of the Troupe API, e.g. `http://127.0.0.1:3000`. */
  apiUrl: string;
  /** Bearer token for `/api/internal/*`. */
  token: string;
  sessionId: string;
  /** The character whose knowledge is asked for. */
  characterId: string;
  /**
   * How long a turn waits for passages before it goes on without them: retrieval must never be
   * what makes a reply late. @defaultValue 300
   */
  timeoutMs: number;
  /** Most passages per turn. @defaultValue 4 */
  limit: number;
}

export const defaultKnowledgeClientOptions = { timeoutMs: 300, limit: 4 };

/** Anything that finds passages for a query; the API client below, or a test's stand-in. */
export interface KnowledgeSource {
  retrieve(query: string): Promise<KnowledgePassage[]>;
}

/** Asks `POST /api/internal/sessions/:id/knowledge`; throws on a timeout or a failed request. */
export class KnowledgeClient implements KnowledgeSource {
  readonly #o: KnowledgeClientOptions;

  constructor(opts: Omit<KnowledgeClientOptions, 'timeoutMs' | 'limit'> & Partial<KnowledgeClientOptions>) {
    this.#o = { ...defaultKnowledgeClientOptions, ...opts };
  }

  async retrieve(query: string): Promise<KnowledgePassage[]> {
    const { apiUrl, token, sessionId, characterId, timeoutMs, limit } = this.#o;
    const res = await fetch(`${apiUrl}/api/internal/sessions/${sessionId}/knowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: query.slice(0, 2000), characterId, limit }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      await res.arrayBuffer().catch(() => {});
      throw new Error(`knowledge request answered ${res.status}`);
    }
    return KnowledgeRetrievalResponse.parse(await res.json()).passages;
  }
}

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
