// Optional vector retrieval: an OpenAI-compatible embeddings client and the pgvector table.
//
// The embeddings table is created here, at run time, instead of in db/migrations: migrations are
// static and run on every database, while pgvector is an extension many Postgres servers (and this
// PGlite build) do not have, and the vector's dimension depends on the configured model. Keeping the
// vectors in a side table that references knowledge_chunks (on delete cascade) means a database
// without pgvector loses nothing but the vector half of retrieval.
import { sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import type { EmbeddingsSettings } from '../../config.ts';

export interface EmbeddingsClientOptions extends EmbeddingsSettings {
  /** Per-request timeout. @defaultValue 10000 */
  timeoutMs: number;
  /** Texts per request. @defaultValue 64 */
  batchSize: number;
}

export const defaultEmbeddingsClientOptions = { timeoutMs: 10_000, batchSize: 64 };

/** POSTs to `{baseUrl}/embeddings` as OpenAI's API does; the key is sent, never logged. */
export class EmbeddingsClient {
  readonly #o: EmbeddingsClientOptions;

  constructor(opts: EmbeddingsSettings & Partial<EmbeddingsClientOptions>) {
    this.#o = { ...defaultEmbeddingsClientOptions, ...opts };
  }

  get model(): string {
    return this.#o.model;
  }

  /** One vector per text, in order. Throws on a failed or malformed response. */
  async embed(texts: readonly string[], timeoutMs = this.#o.timeoutMs): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.#o.batchSize) {
      const batch = texts.slice(i, i + this.#o.batchSize);
      const res = await fetch(`${this.#o.baseUrl.replace(/\/+$/, '')}/embeddings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.#o.apiKey ? { authorization: `Bearer ${this.#o.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.#o.model, input: batch }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) throw new Error(`embeddings server answered ${res.status}`);
      const body = (await res.json()) as { data?: Array<{ index?: number; embedding?: unknown }> };
      const data = [...(body.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== batch.length) throw new Error('embeddings server returned the wrong count');
      for (const d of data) {
        const v = d.embedding;
        if (
          !Array.isArray(v) ||
          v.length === 0 ||
          !v.every((x) => typeof x === 'number' && Number.isFinite(x))
        )
          throw new Error('embeddings server returned a malformed vector');
        out.push(v as number[]);
      }
    }
    return out;
  }
}

/** `[0.1,0.2]`: pgvector's text form, sent as a bound parameter. */
export const vectorLiteral = (v: readonly number[]): string => `[${v.join(',')}]`;

/** Whether the database can hold vectors: the `vector` extension is installable or installed. */
export async function hasPgvector(db: Db): Promise<boolean> {
  const rows = rowsOf<{ n: number | string }>(
    await db.execute(sql`select count(*)::int as n from pg_available_extensions where name = 'vector'`),
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** Creates the extension and the table for vectors of `dimensions`; idempotent. */
export async function ensureEmbeddingsTable(db: Db, dimensions: number): Promise<void> {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16_000)
    throw new Error(`unusable embedding dimension ${dimensions}`);
  await db.execute(sql`create extension if not exists vector`);
  await db.execute(
    sql.raw(
      `create table if not exists knowledge_embeddings (
         chunk_id uuid primary key references knowledge_chunks(id) on delete cascade,
         embedding vector(${dimensions}) not null)`,
    ),
  );
}

/** Rows of a raw `db.execute`: postgres-js answers an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * Reciprocal rank fusion: each list votes 1/(k + rank) for its items (rank from 1), so an item
 * ranked well by both full-text and vector search wins without comparing their unrelated scores.
 */
export function reciprocalRankFusion(lists: ReadonlyArray<readonly string[]>, k = 60): Map<string, number> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  }
  return scores;
}
