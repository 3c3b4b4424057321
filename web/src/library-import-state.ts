import type {
  LibraryCardResult,
  LibraryImport,
  LibraryImportCounts,
  LibraryImportStatus,
} from '../../protocol/index.ts';

/**
 * The "Import a library" panel as a pure reducer: files picked → uploading → the job running
 * (polled, its results fetched a page at a time from where the last page ended) → ended, or an
 * error. `libraryImportView` is what the panel shows of a state; the DOM lives in
 * library-import-view.ts.
 */

export type LibraryImportPhase = 'idle' | 'uploading' | 'running' | 'ended' | 'failed';

export interface LibraryImportState {
  phase: LibraryImportPhase;
  /** How many files were picked, for the uploading line. */
  files: number;
  jobId: string | null;
  status: LibraryImportStatus | null;
  total: number;
  processed: number;
  counts: LibraryImportCounts;
  ignored: number;
  /** Every result so far, in upload order. */
  results: LibraryCardResult[];
  /** Why the upload was refused, or polling failed, or the job's own `error`. */
  error: string | null;
}

export type LibraryImportEvent =
  | { type: 'picked'; files: number }
  /** The 202 answer, or one poll: the job as the API has it, with a page of results. */
  | { type: 'job'; job: LibraryImport }
  | { type: 'failed'; message: string }
  | { type: 'reset' };

const noCounts: LibraryImportCounts = { imported: 0, duplicate: 0, rejected: 0 };

export const initialLibraryImport: LibraryImportState = {
  phase: 'idle',
  files: 0,
  jobId: null,
  status: null,
  total: 0,
  processed: 0,
  counts: noCounts,
  ignored: 0,
  results: [],
  error: null,
};

export function reduceLibraryImport(s: LibraryImportState, event: LibraryImportEvent): LibraryImportState {
  switch (event.type) {
    case 'picked':
      // A new upload while one runs is refused by the view; here it simply starts over.
      return { ...initialLibraryImport, phase: 'uploading', files: event.files };
    case 'job': {
      const { job } = event;
      // A page from another job (a late poll of an earlier upload) changes nothing.
      if (s.jobId !== null && s.jobId !== job.id) return s;
      if (s.phase === 'idle' || s.phase === 'failed') return s;
      return {
        ...s,
        phase: job.status === 'running' ? 'running' : 'ended',
        jobId: job.id,
        status: job.status,
        total: job.total,
        processed: job.processed,
        counts: job.counts,
        ignored: job.ignored,
        results: mergeResults(s.results, job.resultsFrom, job.results),
        error: job.error ?? null,
      };
    }
    case 'failed':
      return { ...s, phase: 'failed', error: event.message };
    case 'reset':
      return initialLibraryImport;
  }
}

/** Results from `from` on replace what the state holds from there: a page may repeat or overlap. */
function mergeResults(
  held: LibraryCardResult[],
  from: number,
  page: readonly LibraryCardResult[],
): LibraryCardResult[] {
  if (from > held.length) return held; // a gap: the next poll asks from held.length again
  return [...held.slice(0, from), ...page];
}

/** The index the next poll asks results from: everything before it is held already. */
export const nextResultsFrom = (s: LibraryImportState): number => s.results.length;

/** Whether the panel should poll again. */
export const shouldPoll = (s: LibraryImportState): boolean => s.phase === 'running' && s.jobId !== null;

export interface LibraryImportViewModel {
  /** One line on what is happening. */
  line: string;
  /** 0–100 for the progress bar; null hides it. */
  percent: number | null;
  /** The file input is disabled while an upload or a job is under way. */
  busy: boolean;
  isError: boolean;
  rows: { file: string; name: string; outcome: string; detail: string; characterId: string | null }[];
}

const outcomeWords = { imported: 'Imported', duplicate: 'Already imported', rejected: 'Rejected' } as const;

export function libraryImportView(s: LibraryImportState): LibraryImportViewModel {
  const rows = s.results.map((r) => ({
    file: r.file,
    name: r.name ?? '',
    outcome: outcomeWords[r.outcome],
    detail: r.outcome === 'rejected' ? (r.reason ?? '') : '',
    characterId: r.characterId ?? null,
  }));
  const percent = s.total > 0 ? Math.round((100 * s.processed) / s.total) : s.phase === 'running' ? 0 : null;
  const tally = `${s.counts.imported} imported, ${s.counts.duplicate} already imported, ${s.counts.rejected} rejected`;
  const ignored = s.ignored > 0 ? `; ${s.ignored} other file${s.ignored === 1 ? '' : 's'} ignored` : '';
  switch (s.phase) {
    case 'idle':
      return { line: '', percent: null, busy: false, isError: false, rows };
    case 'uploading':
      return {
        line: `Uploading ${s.files} file${s.files === 1 ? '' : 's'}…`,
        percent: null,
        busy: true,
        isError: false,
        rows,
      };
    case 'running':
      return {
        line: `Importing: ${s.processed} of ${s.total} cards (${tally}${ignored}).`,
        percent,
        busy: true,
        isError: false,
        rows,
      };
    case 'ended':
      return {
        line: `${endWords(s.status)}: ${tally}${ignored}.${s.error ? ` ${s.error}` : ''}`,
        percent,
        busy: false,
        isError: s.status === 'failed',
        rows,
      };
    case 'failed':
      return { line: s.error ?? 'The import failed.', percent: null, busy: false, isError: true, rows };
  }
}

function endWords(status: LibraryImportStatus | null): string {
  if (status === 'interrupted') return 'Interrupted (the server stopped); the cards before it are kept';
  if (status === 'failed') return 'Stopped';
  return 'Done';
}
