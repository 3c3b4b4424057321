import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../../db/client.ts';
import {
  ensureEmbeddingsTable,
  hasPgvector,
  rowsOf,
  vectorLiteral,
  type EmbeddingsClient,
} from './embeddings.ts';
import type { NewChunk } from './lorebook.ts';

/** How long a turn's query may wait for its embedding before full-text search answers alone. */
const QUERY_EMBEDDING_TIMEOUT_MS = 2000;

/**
 * The vector half of retrieval, where the database has pgvector. Without it (or while the
 * embeddings server fails) retrieval is full-text only, and says so in the log once.
 */
export class VectorSearch {
  readonly #db: Db;
  readonly #client: EmbeddingsClient;
  readonly #logger: Pick<Logger, 'info' | 'warn'> | undefined;
  #available: Promise<boolean> | undefined;
  #tableReady = false;

  constructor(db: Db, client: EmbeddingsClient, logger?: Pick<Logger, 'info' | 'warn'>) {
    this.#db = db;
    this.#client = client;
    this.#logger = logger;
  }

  /** Whether vectors can be stored here; checked once per process (again after a failed check). */
  available(): Promise<boolean> {
    this.#available ??= hasPgvector(this.#db).then(
      (yes) => {
        if (!yes)
          this.#logger?.warn(
            { model: this.#client.model },
            'embeddings are configured but the database has no pgvector extension: knowledge retrieval uses full-text search only',
          );
        return yes;
      },
      (err: Error) => {
        // Not remembered: a database that was briefly unreachable is asked again next time.
        this.#available = undefined;
        this.#logger?.warn({ err: err.message }, 'could not check for pgvector: full-text search only');
        return false;
      },
    );
    return this.#available;
  }

  /** Embeds and stores passages; a failure leaves them to full-text search and is logged. */
  async index(chunks: readonly NewChunk[]): Promise<void> {
    if (chunks.length === 0 || !(await this.available())) return;
    try {
      const vectors = await this.#client.embed(chunks.map((c) => `${c.heading}\n${c.content}`.trim()));
      await this.#ensureTable(vectors[0]!.length);
      for (let i = 0; i < chunks.length; i++) {
        await this.#db.execute(
          sql`insert into knowledge_embeddings (chunk_id, embedding)
              values (${chunks[i]!.id}, ${vectorLiteral(vectors[i]!)}::vector)
              on conflict (chunk_id) do nothing`,
        );
      }
    } catch (err) {
      this.#logger?.warn({ err: (err as Error).message, chunks: chunks.length }, 'passages not embedded');
    }
  }

  /** Chunk ids of these characters nearest the query, nearest first; undefined when unavailable. */
  async search(characterIds: readonly string[], query: string, pool: number): Promise<string[] | undefined> {
    if (!(await this.available())) return undefined;
    try {
      if (!this.#tableReady) {
        const rows = rowsOf<{ t: string | null }>(
          await this.#db.execute(sql`select to_regclass('knowledge_embeddings')::text as t`),
        );
        if (!rows[0]?.t) return undefined;
        this.#tableReady = true;
      }
      const [vector] = await this.#client.embed([query], QUERY_EMBEDDING_TIMEOUT_MS);
      const rows = rowsOf<{ id: string }>(
        await this.#db.execute(sql`
          select c.id from knowledge_embeddings ke
          join knowledge_chunks c on c.id = ke.chunk_id
          where c.character_id in (${sql.join(
            characterIds.map((id) => sql`${id}`),
            sql`, `,
          )})
          order by ke.embedding <=> ${vectorLiteral(vector!)}::vector
          limit ${pool}`),
      );
      return rows.map((r) => r.id);
    } catch (err) {
      this.#logger?.warn({ err: (err as Error).message }, 'vector search failed: full-text search only');
      return undefined;
    }
  }

  async #ensureTable(dimensions: number): Promise<void> {
    if (this.#tableReady) return;
    await ensureEmbeddingsTable(this.#db, dimensions);
    this.#tableReady = true;
  }
}
