import { and, asc, count, desc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../../db/client.ts';
import {
  knowledgeChunks,
  knowledgeDocuments,
  knowledgeEntries,
  sessionCharacters,
  sessions,
} from '../../../db/schema.ts';
import type {
  CreateKnowledgeDocumentRequest,
  KnowledgeDocument,
  KnowledgeOverview,
  KnowledgePassage,
} from '../../../protocol/index.ts';
import { chunkDocument, type ChunkOptions } from './chunker.ts';
import { VectorSearch } from './vector-search.ts';
import { reciprocalRankFusion, type EmbeddingsClient } from './embeddings.ts';
import { syncLorebookChunks, type NewChunk } from './lorebook.ts';
import { keyMatches, queryTerms, tieredTsqueries, wordsOf } from './query.ts';

export interface KnowledgeServiceOptions {
  /** How documents are split. @defaultValue defaultChunkOptions */
  chunk: Partial<ChunkOptions>;
  /** Vector retrieval, used where the database has pgvector. @defaultValue undefined (full-text only) */
  embeddings: EmbeddingsClient | undefined;
  logger: Pick<Logger, 'info' | 'warn'> | undefined;
}

/** Chunks per insert statement (5 parameters each). */
const INSERT_BATCH = 1000;

const stripNul = (s: string): string => s.replaceAll('\u0000', '');

/** Most full-text matches ranked per tier. */
const RANK_BOUND = 250;

/** Full-text candidates considered before fusion and cut-off, per search. */
const CANDIDATE_POOL = 40;

type ChunkRow = {
  id: string;
  characterId: string;
  documentId: string | null;
  entryId: string | null;
  heading: string;
  content: string;
  title: string | null;
  entryName: string | null;
  rank: number;
};

/**
 * A character's documents and lorebook as retrievable passages. Documents are chunked on upload,
 * in the same transaction; lorebook entries are one passage each (written with the card import,
 * and for entries that predate this, on the character's first search).
 */
export class KnowledgeService {
  readonly #db: Db;
  readonly #o: KnowledgeServiceOptions;
  readonly #vectors: VectorSearch | undefined;
  /** Characters whose lorebook chunks this process has already checked. */
  readonly #synced = new Set<string>();

  constructor(db: Db, opts: Partial<KnowledgeServiceOptions> = {}) {
    this.#db = db;
    this.#o = { chunk: {}, embeddings: undefined, logger: undefined, ...opts };
    this.#vectors = this.#o.embeddings ? new VectorSearch(db, this.#o.embeddings, this.#o.logger) : undefined;
  }

  async overview(characterId: string): Promise<KnowledgeOverview> {
    const docs = await this.#db
      .select({
        id: knowledgeDocuments.id,
        characterId: knowledgeDocuments.characterId,
        title: knowledgeDocuments.title,
        format: knowledgeDocuments.format,
        size: sql<number>`char_length(${knowledgeDocuments.content})`.mapWith(Number),
        // Spelled out: inside a subquery drizzle leaves both columns unqualified.
        chunkCount:
          sql<number>`(select count(*) from knowledge_chunks c where c.document_id = knowledge_documents.id)`.mapWith(
            Number,
          ),
        createdAt: knowledgeDocuments.createdAt,
      })
      .from(knowledgeDocuments)
      .where(eq(knowledgeDocuments.characterId, characterId))
      .orderBy(asc(knowledgeDocuments.createdAt), asc(knowledgeDocuments.id));
    const [entries] = await this.#db
      .select({ n: count() })
      .from(knowledgeEntries)
      .where(eq(knowledgeEntries.characterId, characterId));
    return {
      documents: docs.map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })),
      lorebookEntries: Number(entries?.n ?? 0),
    };
  }

  /** Stores a document and its passages together: a document is never searchable by halves. */
  async addDocument(
    characterId: string,
    request: CreateKnowledgeDocumentRequest,
  ): Promise<KnowledgeDocument> {
    // Postgres text cannot hold NUL; nothing a person meant is lost by dropping it.
    const input = { ...request, title: stripNul(request.title), content: stripNul(request.content) };
    const chunks = chunkDocument(input.content, input.format, this.#o.chunk);
    const { doc, chunkIds } = await this.#db.transaction(async (tx) => {
      const [doc] = await tx
        .insert(knowledgeDocuments)
        .values({ characterId, title: input.title, format: input.format, content: input.content })
        .returning();
      const ids: NewChunk[] = [];
      // In batches: one statement may bind at most 65,535 parameters.
      for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
        const batch = chunks.slice(i, i + INSERT_BATCH);
        ids.push(
          ...(await tx
            .insert(knowledgeChunks)
            .values(batch.map((c) => ({ ...c, characterId, documentId: doc!.id })))
            .returning({
              id: knowledgeChunks.id,
              content: knowledgeChunks.content,
              heading: knowledgeChunks.heading,
            })),
        );
      }
      return { doc: doc!, chunkIds: ids };
    });
    await this.#vectors?.index(chunkIds);
    return {
      id: doc.id,
      characterId,
      title: doc.title,
      format: doc.format,
      size: doc.content.length,
      chunkCount: chunks.length,
      createdAt: doc.createdAt.toISOString(),
    };
  }

  /** Deletes a document of this character (its passages and vectors go with it by cascade). */
  async deleteDocument(characterId: string, documentId: string): Promise<boolean> {
    const deleted = await this.#db
      .delete(knowledgeDocuments)
      .where(and(eq(knowledgeDocuments.id, documentId), eq(knowledgeDocuments.characterId, characterId)))
      .returning({ id: knowledgeDocuments.id });
    return deleted.length > 0;
  }

  /** The characters of a session, first one first; undefined when there is no such session. */
  async sessionCharacterIds(sessionId: string): Promise<string[] | undefined> {
    const [session] = await this.#db
      .select({ characterId: sessions.characterId })
      .from(sessions)
      .where(eq(sessions.id, sessionId))
      .limit(1);
    if (!session) return undefined;
    const rows = await this.#db
      .select({ characterId: sessionCharacters.characterId })
      .from(sessionCharacters)
      .where(eq(sessionCharacters.sessionId, sessionId))
      .orderBy(asc(sessionCharacters.position));
    return [...new Set([session.characterId, ...rows.map((r) => r.characterId)])];
  }

  /**
   * The passages that best answer `query` for these characters, best first. Lorebook entries one
   * of whose keys is in the query come first, as a lorebook promises. Never throws for any text.
   */
  async search(characterIds: readonly string[], query: string, limit: number): Promise<KnowledgePassage[]> {
    const terms = queryTerms(query);
    if (terms.length === 0 || characterIds.length === 0) return [];
    await this.#syncLorebooks(characterIds);
    const tiers = tieredTsqueries(terms);
    // Every passage is ranked against all the words, whichever tier found it; normalisation 32 maps
    // ts_rank_cd into 0..1 (rank / (rank + 1)).
    const rank = tiers.length
      ? sql`ts_rank_cd(${knowledgeChunks.search}, to_tsquery('english', ${tiers.at(-1)!}), 32)`
      : sql`0`;
    const enabled = or(isNull(knowledgeChunks.entryId), eq(knowledgeEntries.enabled, true));
    const textHits: Array<ChunkRow & { tier: number }> = [];
    const seen = new Set<string>();
    for (const [tier, tsquery] of tiers.entries()) {
      if (textHits.length >= limit) break;
      // At most RANK_BOUND matches are ranked: a word found in thousands of passages must not make
      // the turn wait for all of them to be read (the tiers above usually keep this far from it).
      const matches = this.#db
        .select({ id: knowledgeChunks.id })
        .from(knowledgeChunks)
        .where(
          and(
            inArray(knowledgeChunks.characterId, [...characterIds]),
            sql`${knowledgeChunks.search} @@ to_tsquery('english', ${tsquery})`,
          ),
        )
        .limit(RANK_BOUND);
      const rows = await this.#chunks(rank)
        .where(and(inArray(knowledgeChunks.id, matches), enabled))
        .orderBy(desc(sql`rank`), asc(knowledgeChunks.id))
        .limit(Math.max(CANDIDATE_POOL, limit));
      for (const r of rows) {
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        textHits.push({ ...r, tier });
      }
    }
    const keyed = await this.#keyedEntries(characterIds, wordsOf(query));
    const keyedRows =
      keyed.length === 0
        ? []
        : await this.#chunks(rank)
            .where(inArray(knowledgeChunks.entryId, keyed))
            .orderBy(desc(sql`rank`), asc(knowledgeChunks.id));
    const vectorIds = this.#vectors
      ? await this.#vectors.search(characterIds, query, CANDIDATE_POOL)
      : undefined;

    const byId = new Map<string, ChunkRow>();
    for (const r of [...keyedRows, ...textHits]) byId.set(r.id, r);
    const missing = (vectorIds ?? []).filter((id) => !byId.has(id));
    if (missing.length > 0) {
      const rows = await this.#chunks(rank).where(and(inArray(knowledgeChunks.id, missing), enabled));
      for (const r of rows) byId.set(r.id, r);
    }
    // Full-text: a tier's bonus (one for each broader tier) plus ts_rank_cd in 0..1; or,
    // with vectors, rank fusion, since ts_rank_cd and cosine distance are not comparable. A keyed
    // lorebook entry goes above both.
    const score = vectorIds
      ? reciprocalRankFusion([textHits.map((r) => r.id), vectorIds])
      : new Map(textHits.map((r) => [r.id, tiers.length - 1 - r.tier + r.rank] as const));
    const keyedIds = new Set(keyedRows.map((r) => r.id));
    const passages = [...byId.values()].map((r) => {
      const keyedHit = keyedIds.has(r.id);
      return toPassage(r, (score.get(r.id) ?? 0) + (keyedHit ? 3 : 0), keyedHit);
    });
    passages.sort((a, b) => b.score - a.score || a.chunkId.localeCompare(b.chunkId));
    return passages.slice(0, limit);
  }

  /** Chunks with their source's title and full-text rank, for a where clause to narrow. */
  #chunks(rank: SQL) {
    return this.#db
      .select({
        id: knowledgeChunks.id,
        characterId: knowledgeChunks.characterId,
        documentId: knowledgeChunks.documentId,
        entryId: knowledgeChunks.entryId,
        heading: knowledgeChunks.heading,
        content: knowledgeChunks.content,
        title: knowledgeDocuments.title,
        entryName: knowledgeEntries.name,
        rank: sql<number>`${rank}`.mapWith(Number).as('rank'),
      })
      .from(knowledgeChunks)
      .leftJoin(knowledgeDocuments, eq(knowledgeDocuments.id, knowledgeChunks.documentId))
      .leftJoin(knowledgeEntries, eq(knowledgeEntries.id, knowledgeChunks.entryId))
      .$dynamic();
  }

  /** Enabled lorebook entries of these characters one of whose keys is in the query. */
  async #keyedEntries(characterIds: readonly string[], queryWords: string[]): Promise<string[]> {
    const entries = await this.#db
      .select({ id: knowledgeEntries.id, keys: knowledgeEntries.keys })
      .from(knowledgeEntries)
      .where(
        and(inArray(knowledgeEntries.characterId, [...characterIds]), eq(knowledgeEntries.enabled, true)),
      );
    return entries.filter((e) => e.keys.some((k) => keyMatches(k, queryWords))).map((e) => e.id);
  }

  async #syncLorebooks(characterIds: readonly string[]): Promise<void> {
    for (const id of characterIds) {
      if (this.#synced.has(id)) continue;
      const added = await syncLorebookChunks(this.#db, id);
      this.#synced.add(id);
      if (added.length > 0) {
        this.#o.logger?.info({ character: id, entries: added.length }, 'lorebook entries made searchable');
        await this.#vectors?.index(added);
      }
    }
  }
}

function toPassage(r: ChunkRow, score: number, keyed: boolean): KnowledgePassage {
  const isDocument = r.documentId !== null;
  return {
    chunkId: r.id,
    characterId: r.characterId,
    source: isDocument ? 'document' : 'lorebook',
    sourceId: (r.documentId ?? r.entryId)!,
    title: (isDocument ? r.title : r.entryName) ?? '',
    heading: isDocument ? r.heading : '',
    content: r.content,
    score: Math.round(score * 1e6) / 1e6,
    keyed,
  };
}
