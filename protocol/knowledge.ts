import { z } from 'zod';
import { CharacterId } from './characters.ts';

/** How an uploaded document is split: Markdown by its headings, plain text by paragraphs. */
export const KnowledgeFormat = z.enum(['text', 'markdown']);
export type KnowledgeFormat = z.infer<typeof KnowledgeFormat>;

/** Longest document text accepted; the upload's byte limit (`KNOWLEDGE_UPLOAD_LIMIT`, 1 MB by default) is usually reached first. */
export const KNOWLEDGE_MAX_CHARS = 10_000_000;

/** `POST /api/characters/:id/knowledge` as JSON (a raw `text/plain` or `text/markdown` body is the other way). */
export const CreateKnowledgeDocumentRequest = z
  .object({
    title: z.string().trim().min(1).max(200),
    format: KnowledgeFormat,
    content: z.string().trim().min(1).max(KNOWLEDGE_MAX_CHARS),
  })
  .strict();
export type CreateKnowledgeDocumentRequest = z.infer<typeof CreateKnowledgeDocumentRequest>;

/** `?title=` of a raw upload; without it the first Markdown heading, else 'Untitled'. */
export const UploadKnowledgeQuery = z.object({ title: z.string().trim().min(1).max(200).optional() });
export type UploadKnowledgeQuery = z.infer<typeof UploadKnowledgeQuery>;

/** A document as listed: everything but its full text. */
export const KnowledgeDocument = z.object({
  id: z.uuid(),
  characterId: CharacterId,
  title: z.string(),
  format: KnowledgeFormat,
  /** Characters of text. */
  size: z.number().int().nonnegative(),
  /** How many passages it was split into. */
  chunkCount: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
});
export type KnowledgeDocument = z.infer<typeof KnowledgeDocument>;

/** `GET /api/characters/:id/knowledge`. */
export const KnowledgeOverview = z.object({
  documents: z.array(KnowledgeDocument),
  /** Lorebook entries (from an imported card); each is retrieved as one passage. */
  lorebookEntries: z.number().int().nonnegative(),
});
export type KnowledgeOverview = z.infer<typeof KnowledgeOverview>;

/** One retrieved passage: a piece of a document, or a whole lorebook entry. */
export const KnowledgePassage = z.object({
  chunkId: z.uuid(),
  characterId: CharacterId,
  source: z.enum(['document', 'lorebook']),
  /** The document's id, or the lorebook entry's. */
  sourceId: z.uuid(),
  /** The document's title, or the entry's name (empty when it has none). */
  title: z.string(),
  /** Heading path within a Markdown document (`Setting › The harbour`); empty otherwise. */
  heading: z.string(),
  content: z.string(),
  /** Higher is more relevant. Comparable within one answer only. */
  score: z.number(),
  /** A lorebook entry brought in because one of its keys is in the query. */
  keyed: z.boolean(),
});
export type KnowledgePassage = z.infer<typeof KnowledgePassage>;

/** Most passages one search returns. */
export const KNOWLEDGE_MAX_LIMIT = 20;

/** `GET /api/characters/:id/knowledge/search?q=&limit=`. */
export const KnowledgeSearchQuery = z.object({
  q: z.string().trim().min(1).max(2000),
  limit: z.coerce.number().int().min(1).max(KNOWLEDGE_MAX_LIMIT).default(5),
});
export type KnowledgeSearchQuery = z.infer<typeof KnowledgeSearchQuery>;

export const KnowledgeSearchResponse = z.object({ passages: z.array(KnowledgePassage) });
export type KnowledgeSearchResponse = z.infer<typeof KnowledgeSearchResponse>;

/**
 * `POST /api/internal/sessions/:id/knowledge` (agent only): passages for a turn, from the session's
 * character, or from all its characters when none is named.
 */
export const KnowledgeRetrievalRequest = z
  .object({
    query: z.string().trim().min(1).max(2000),
    characterId: CharacterId.optional(),
    limit: z.number().int().min(1).max(KNOWLEDGE_MAX_LIMIT).optional(),
  })
  .strict();
export type KnowledgeRetrievalRequest = z.infer<typeof KnowledgeRetrievalRequest>;

export const KnowledgeRetrievalResponse = KnowledgeSearchResponse;
export type KnowledgeRetrievalResponse = KnowledgeSearchResponse;
