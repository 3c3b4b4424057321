import { randomUUID } from 'node:crypto';
import { DrizzleQueryError } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import { isDatabaseUnavailable } from '../../db/errors.ts';
import type { LibraryCardResult, LibraryImport, LibraryImportCounts } from '../../protocol/index.ts';
import { CardError, importCard, type ImportedCard } from '../cards/index.ts';
import { cardContentHash } from '../cards/library-hash.ts';
import {
  defaultLibraryLimits,
  libraryCardBytes,
  openLibrary,
  type LibraryFile,
  type LibraryItem,
  type LibraryLimits,
} from '../cards/library.ts';
import { ValidationError } from '../errors.ts';
import { storeImportedCard, type CardStore } from './character-cards.ts';
import { LibraryImportStore, type LibraryProgress } from './library-import-store.ts';

export interface LibraryImportOptions {
  /** What one upload may hold (`LIBRARY_IMPORT_*`). @defaultValue defaultLibraryLimits */
  limits: LibraryLimits;
  /**
   * Imports one API process runs at once, uploads still being read included; another gets 429.
   * Each holds its upload in memory until it ends (`LIBRARY_IMPORT_MAX_RUNNING`).
   * @defaultValue 2
   */
  maxRunning: number;
  /**
   * A running job whose heartbeat is older than this is taken for dead (its process stopped or
   * crashed) and shown `interrupted` (`LIBRARY_IMPORT_STALE_AFTER`).
   * @defaultValue 60000
   */
  staleAfterMs: number;
  /** Progress (and the heartbeat) is written after this many cards… @defaultValue 25 */
  progressEveryCards: number;
  /** …or once this long has passed since the last write, whichever comes first. @defaultValue 1000 */
  progressEveryMs: number;
}

export const defaultLibraryImportOptions: LibraryImportOptions = {
  limits: defaultLibraryLimits,
  maxRunning: 2,
  staleAfterMs: 60_000,
  progressEveryCards: 25,
  progressEveryMs: 1000,
};

/**
 * A place among the imports this process runs at once, held from before the upload is read until
 * its job ends (or the request fails). Release is idempotent.
 */
export class LibrarySlot {
  #taken = false;
  #released = false;

  constructor(
    private readonly acquire: () => void,
    private readonly free: () => void,
  ) {
    acquire();
  }

  /** The job now owns the slot; it is released when the job ends, not when the request does. */
  take(): void {
    // The request may have closed (and let go) while the upload was being checked.
    if (this.#released) {
      this.#released = false;
      this.acquire();
    }
    this.#taken = true;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.free();
  }

  /** For the request's end: lets go unless a job took over. */
  releaseUnlessTaken(): void {
    if (!this.#taken) this.release();
  }
}

interface RunningJob {
  abort: AbortController;
  done: Promise<void>;
}

/**
 * Library imports: an upload is checked whole (api/cards/library.ts), then imported as one job in
 * this process, card by card, each imported, found a duplicate of a card its owner already has, or
 * rejected with its reason. The job's row (LibraryImportStore) carries its progress for any replica.
 */
export class LibraryImportService {
  readonly options: LibraryImportOptions;
  readonly #store: LibraryImportStore;
  readonly #cards: CardStore;
  readonly #running = new Map<string, RunningJob>();
  #slots = 0;
  #stopping = false;

  constructor(deps: { db: Db; cards: CardStore }, options: Partial<LibraryImportOptions> = {}) {
    this.options = { ...defaultLibraryImportOptions, ...options };
    this.#store = new LibraryImportStore(deps.db, this.options.staleAfterMs);
    this.#cards = deps.cards;
  }

  /** A slot for one more import, or undefined when this process runs as many as it may. */
  reserve(): LibrarySlot | undefined {
    if (this.#stopping || this.#slots >= this.options.maxRunning) return undefined;
    return new LibrarySlot(
      () => this.#slots++,
      () => this.#slots--,
    );
  }

  /**
   * Checks the upload and starts its job; resolves with the job as first stored. Throws
   * LibraryError when the upload is refused as a whole (the caller still holds the slot then).
   */
  async start(
    slot: LibrarySlot,
    ownerId: string,
    files: readonly LibraryFile[],
    log: Logger,
  ): Promise<LibraryImport> {
    const { items, ignored } = await openLibrary(files, this.options.limits);
    const job = await this.#store.create({ id: randomUUID(), ownerId, total: items.length, ignored });
    slot.take();
    const jobLog = log.child({ libraryImport: job.id });
    jobLog.info(
      { userId: ownerId, files: files.length, total: items.length, ignored },
      'library import started',
    );
    const abort = new AbortController();
    // Accepted while the process began to stop: the job ends at once, interrupted.
    if (this.#stopping) abort.abort();
    const done = this.#run(job.id, ownerId, items, abort.signal, jobLog).finally(() => {
      this.#running.delete(job.id);
      slot.release();
    });
    this.#running.set(job.id, { abort, done });
    return job;
  }

  /** The owner's job with its results from index `from` on; another account's is undefined. */
  get(id: string, ownerId: string, from = 0): Promise<LibraryImport | undefined> {
    return this.#store.get(id, ownerId, from);
  }

  /** Stops taking imports, ends this process's running jobs as `interrupted`, and waits for them. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const jobs = [...this.#running.values()];
    for (const job of jobs) job.abort.abort();
    await Promise.all(jobs.map((j) => j.done));
  }

  async #run(
    id: string,
    ownerId: string,
    items: LibraryItem[],
    signal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    const started = performance.now();
    const counts: LibraryImportCounts = { imported: 0, duplicate: 0, rejected: 0 };
    let processed = 0;
    let pending: LibraryCardResult[] = [];
    let lastWrite = performance.now();
    const progress = (): LibraryProgress => ({ processed, counts: { ...counts }, newResults: pending });
    /** Cards stored by this job, by content hash: the second copy in one upload is a duplicate. */
    const seen = new Map<string, string>();
    try {
      for (const item of items) {
        if (signal.aborted) break;
        const result = await this.#importOne(item, ownerId, seen, log);
        counts[result.outcome]++;
        processed++;
        pending.push(result);
        const due =
          pending.length >= this.options.progressEveryCards ||
          performance.now() - lastWrite >= this.options.progressEveryMs;
        if (!due) continue;
        const running = await this.#store.progress(id, progress());
        pending = [];
        lastWrite = performance.now();
        if (!running) {
          log.warn({ processed }, 'library import was declared interrupted elsewhere: stopped');
          return;
        }
      }
      const status = signal.aborted ? 'interrupted' : 'done';
      await this.#store.finish(id, status, progress());
      const durationMs = Math.round(performance.now() - started);
      log.info({ status, total: items.length, ...counts, durationMs }, 'library import ended');
    } catch (err) {
      log.error({ err: withoutQuery(err), processed }, 'library import failed');
      await this.#store
        .finish(
          id,
          'failed',
          progress(),
          'the import stopped on a server error; the cards before it are kept',
        )
        .catch((e: unknown) => log.error({ err: e }, 'library import could not be marked failed'));
    }
  }

  /** One card's outcome. Throws only when the database is unavailable (the job cannot go on). */
  async #importOne(
    item: LibraryItem,
    ownerId: string,
    seen: Map<string, string>,
    log: Logger,
  ): Promise<LibraryCardResult> {
    const { file } = item;
    if (item.kind === 'rejected') return { file, outcome: 'rejected', code: item.code, reason: item.reason };
    let card: ImportedCard;
    try {
      const { maxCardBytes } = this.options.limits;
      card = importCard(
        { bytes: libraryCardBytes(item, this.options.limits), filename: file },
        { maxInputBytes: maxCardBytes, maxZipUncompressedBytes: maxCardBytes },
      );
    } catch (err) {
      if (!(err instanceof CardError)) throw err;
      return { file, outcome: 'rejected', code: err.code, reason: err.message };
    }
    const name = card.draft.name.trim().slice(0, 80) || undefined;
    const named = { file, ...(name === undefined ? {} : { name }) };
    try {
      const hash = cardContentHash(card.raw);
      const earlier = seen.get(hash) ?? (await this.#cards.characters.findByCardHash(ownerId, hash));
      if (earlier !== undefined)
        return { ...named, outcome: 'duplicate', reason: 'already imported', characterId: earlier };
      const { character } = await storeImportedCard(this.#cards, ownerId, card, hash);
      seen.set(hash, character.id);
      return { ...named, outcome: 'imported', characterId: character.id };
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw err;
      if (err instanceof ValidationError)
        return { ...named, outcome: 'rejected', code: 'invalid_character', reason: err.message };
      // A card the database refuses (text it cannot hold) stops that card, not the import.
      log.warn({ err: withoutQuery(err), pii: { file } }, 'library card not stored');
      return { ...named, outcome: 'rejected', code: 'not_stored', reason: 'the card could not be stored' };
    }
  }
}

/**
 * The driver's error under drizzle's wrapper: the wrapper's message quotes the query and its
 * parameters, which here are the card's own text; the driver's error says what went wrong.
 */
function withoutQuery(err: unknown): unknown {
  return err instanceof DrizzleQueryError ? err.cause : err;
}
