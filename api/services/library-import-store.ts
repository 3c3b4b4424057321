import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { libraryImports } from '../../db/schema.ts';
import {
  LibraryCardResult,
  type LibraryImport,
  type LibraryImportCounts,
  type LibraryImportStatus,
} from '../../protocol/index.ts';

type LibraryImportRow = typeof libraryImports.$inferSelect;

/** What a job has done since its last write: its counts so far and the results not written yet. */
export interface LibraryProgress {
  processed: number;
  counts: LibraryImportCounts;
  newResults: readonly LibraryCardResult[];
}

/**
 * The `library_imports` rows. Only the process running a job writes its progress, and every write
 * is conditional on the job still being `running`: once another replica has declared it
 * interrupted (its heartbeat went stale), the old runner's writes change nothing and it stops.
 */
export class LibraryImportStore {
  constructor(
    private readonly db: Db,
    /** A running job whose heartbeat is older than this is taken for dead. */
    private readonly staleAfterMs: number,
  ) {}

  async create(job: { id: string; ownerId: string; total: number; ignored: number }): Promise<LibraryImport> {
    const [row] = await this.db.insert(libraryImports).values(job).returning();
    return toLibraryImport(row!, 0);
  }

  /** Writes progress and the heartbeat; false when the job is no longer running (stop it). */
  async progress(id: string, p: LibraryProgress): Promise<boolean> {
    const rows = await this.db
      .update(libraryImports)
      .set({ ...progressColumns(p), heartbeatAt: sql`now()` })
      .where(and(eq(libraryImports.id, id), eq(libraryImports.status, 'running')))
      .returning({ id: libraryImports.id });
    return rows.length > 0;
  }

  /** Ends a running job with its last progress; false when it had already ended (interrupted). */
  async finish(
    id: string,
    status: Exclude<LibraryImportStatus, 'running'>,
    p: LibraryProgress,
    error?: string,
  ): Promise<boolean> {
    const rows = await this.db
      .update(libraryImports)
      .set({ ...progressColumns(p), status, error: error ?? null, finishedAt: sql`now()` })
      .where(and(eq(libraryImports.id, id), eq(libraryImports.status, 'running')))
      .returning({ id: libraryImports.id });
    return rows.length > 0;
  }

  /**
   * The owner's job, with the results from index `from` on; another account's is undefined. A
   * running job whose process has died is declared interrupted first, so a poller sees it end.
   */
  async get(id: string, ownerId: string, from = 0): Promise<LibraryImport | undefined> {
    const mine = and(eq(libraryImports.id, id), eq(libraryImports.ownerId, ownerId));
    await this.db
      .update(libraryImports)
      .set({ status: 'interrupted', finishedAt: sql`now()` })
      .where(and(mine, eq(libraryImports.status, 'running'), this.#stale()));
    const [row] = await this.db
      .select({
        ...rowColumns,
        // Only the page asked for leaves the database.
        results: sql<
          unknown[]
        >`coalesce(jsonb_path_query_array(${libraryImports.results}, ${`$[${from} to last]`}::jsonpath), '[]'::jsonb)`,
      })
      .from(libraryImports)
      .where(mine)
      .limit(1);
    return row ? toLibraryImport(row, from) : undefined;
  }

  /** Declares every running job with a stale heartbeat interrupted; run at start-up. */
  async interruptStale(): Promise<number> {
    const rows = await this.db
      .update(libraryImports)
      .set({ status: 'interrupted', finishedAt: sql`now()` })
      .where(and(eq(libraryImports.status, 'running'), this.#stale()))
      .returning({ id: libraryImports.id });
    return rows.length;
  }

  /** Declares these jobs of this process interrupted now (the process is stopping). */
  async interrupt(id: string, p: LibraryProgress): Promise<boolean> {
    return this.finish(id, 'interrupted', p);
  }

  #stale() {
    // The database's clock, not this process's: replicas' clocks may differ.
    return lt(libraryImports.heartbeatAt, sql`now() - ${this.staleAfterMs} * interval '1 millisecond'`);
  }
}

/** The columns a GET reads besides its page of results. */
const rowColumns = {
  id: libraryImports.id,
  status: libraryImports.status,
  total: libraryImports.total,
  processed: libraryImports.processed,
  imported: libraryImports.imported,
  duplicate: libraryImports.duplicate,
  rejected: libraryImports.rejected,
  ignored: libraryImports.ignored,
  error: libraryImports.error,
  createdAt: libraryImports.createdAt,
  finishedAt: libraryImports.finishedAt,
};

function progressColumns(p: LibraryProgress) {
  return {
    processed: p.processed,
    imported: p.counts.imported,
    duplicate: p.counts.duplicate,
    rejected: p.counts.rejected,
    // Appended in the database: a write costs the new results, not all of them again.
    results: sql`${libraryImports.results} || ${JSON.stringify(p.newResults)}::jsonb`,
  };
}

function toLibraryImport(
  row: Omit<LibraryImportRow, 'ownerId' | 'heartbeatAt'>,
  from: number,
): LibraryImport {
  return {
    id: row.id,
    status: row.status,
    total: row.total,
    processed: row.processed,
    counts: { imported: row.imported, duplicate: row.duplicate, rejected: row.rejected },
    ignored: row.ignored,
    resultsFrom: from,
    // Written by this module only; parsing keeps a hand-edited row from reaching a client unchecked.
    results: row.results.map((r) => LibraryCardResult.parse(r)),
    ...(row.error === null ? {} : { error: row.error }),
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
