import type { KnowledgePassage } from '../../protocol/index.ts';
import type { ApiClient } from '../api-client.ts';

// The knowledge message's text is defined beside the offline brain that reads it back.
export {
  answerFromKnowledge,
  KNOWLEDGE_HEADER,
  knowledgeMessage,
  passagesIn,
} from '../../speech/offline/persona-context.ts';

// What a character knows, brought into one turn: the passages of its documents and lorebook that
// match what the caller just said, fetched from the API and put into that turn's context only.

export interface KnowledgeClientOptions {
  /** The job's client of the Troupe API. */
  api: ApiClient;
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

/** Asks `POST /api/internal/sessions/:id/knowledge`; throws an ApiError on a timeout or a failed request. */
export class KnowledgeClient implements KnowledgeSource {
  readonly #o: KnowledgeClientOptions;

  constructor(opts: Omit<KnowledgeClientOptions, 'timeoutMs' | 'limit'> & Partial<KnowledgeClientOptions>) {
    this.#o = { ...defaultKnowledgeClientOptions, ...opts };
  }

  async retrieve(query: string): Promise<KnowledgePassage[]> {
    const { api, sessionId, characterId, timeoutMs, limit } = this.#o;
    return api.knowledge(sessionId, { query: query.slice(0, 2000), characterId, limit }, timeoutMs);
  }
}
