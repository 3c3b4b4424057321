import { z } from 'zod';
import { CharacterId } from './characters.ts';

/**
 * A library import's state: `running` while its cards are read, `done` when every card has its
 * outcome, `failed` when the job could not go on (its `error` says why), `interrupted` when the API
 * process running it stopped or died first. The cards imported before a failure or an interruption
 * stay imported.
 */
export const LibraryImportStatus = z.enum(['running', 'done', 'failed', 'interrupted']);
export type LibraryImportStatus = z.infer<typeof LibraryImportStatus>;

/** What became of one card: a new character, a card the account already has, or refused. */
export const LibraryCardOutcome = z.enum(['imported', 'duplicate', 'rejected']);
export type LibraryCardOutcome = z.infer<typeof LibraryCardOutcome>;

export const LibraryCardResult = z.object({
  /** The uploaded file, or `library.zip/path/in/zip.png` for a card inside a ZIP library. */
  file: z.string(),
  /** The card's character name, when the card could be read. */
  name: z.string().optional(),
  outcome: LibraryCardOutcome,
  /** Why a card was rejected, or which earlier import it duplicates. */
  reason: z.string().optional(),
  /** A rejected card's reason as a stable code (the card reader's `cardCode`, or `invalid_character`). */
  code: z.string().optional(),
  /** The new character (`imported`), or the account's character with the same card (`duplicate`). */
  characterId: CharacterId.optional(),
});
export type LibraryCardResult = z.infer<typeof LibraryCardResult>;

export const LibraryImportCounts = z.object({
  imported: z.number().int().nonnegative(),
  duplicate: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
});
export type LibraryImportCounts = z.infer<typeof LibraryImportCounts>;

/**
 * `POST /api/characters/library-imports` (202) and `GET /api/characters/library-imports/:id`: a
 * job and its progress. `results` holds the per-card results from index `resultsFrom` on (all of
 * them unless the GET asked for `?from=`), in upload order.
 */
export const LibraryImport = z.object({
  id: z.uuid(),
  status: LibraryImportStatus,
  /** Cards in the upload, refused ones included. */
  total: z.number().int().nonnegative(),
  /** Cards with an outcome so far. */
  processed: z.number().int().nonnegative(),
  counts: LibraryImportCounts,
  /** Files inside ZIP libraries that are not cards (a readme, a thumbnail), skipped. */
  ignored: z.number().int().nonnegative(),
  resultsFrom: z.number().int().nonnegative(),
  results: z.array(LibraryCardResult),
  /** Why the job failed; only with status `failed`. */
  error: z.string().optional(),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
export type LibraryImport = z.infer<typeof LibraryImport>;

/** `GET /api/characters/library-imports/:id?from=N`: only the results from index N on. */
export const LibraryImportQuery = z.object({
  from: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
