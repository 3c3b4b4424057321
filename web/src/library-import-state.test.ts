import { describe, expect, it } from 'vitest';
import type { LibraryCardResult, LibraryImport } from '../../protocol/index.ts';
import {
  initialLibraryImport,
  libraryImportView,
  nextResultsFrom,
  reduceLibraryImport,
  shouldPoll,
  type LibraryImportEvent,
  type LibraryImportState,
} from './library-import-state.ts';

const run = (events: LibraryImportEvent[], from: LibraryImportState = initialLibraryImport) =>
  events.reduce(reduceLibraryImport, from);

const result = (i: number, outcome: LibraryCardResult['outcome'] = 'imported'): LibraryCardResult => ({
  file: `lib.zip/c${i}.json`,
  name: `C${i}`,
  outcome,
  ...(outcome === 'rejected' ? { code: 'bad_json', reason: 'the file is not valid JSON' } : {}),
  ...(outcome === 'rejected' ? {} : { characterId: `c${i}-abc123` }),
});

function job(over: Partial<LibraryImport> = {}): LibraryImport {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    status: 'running',
    total: 4,
    processed: 0,
    counts: { imported: 0, duplicate: 0, rejected: 0 },
    ignored: 0,
    resultsFrom: 0,
    results: [],
    createdAt: '2026-12-01T10:00:00.000Z',
    finishedAt: null,
    ...over,
  };
}

describe('reduceLibraryImport', () => {
  it('when files are picked, the job accepted and polled page by page, then results accumulate in order', () => {
    const s = run([
      { type: 'picked', files: 2 },
      { type: 'job', job: job() },
      {
        type: 'job',
        job: job({
          processed: 2,
          counts: { imported: 2, duplicate: 0, rejected: 0 },
          results: [result(0), result(1)],
        }),
      },
    ]);
    expect(s).toMatchObject({ phase: 'running', processed: 2, total: 4 });
    expect(nextResultsFrom(s)).toBe(2);
    expect(shouldPoll(s)).toBe(true);

    const done = run(
      [
        {
          type: 'job',
          job: job({
            status: 'done',
            processed: 4,
            counts: { imported: 2, duplicate: 1, rejected: 1 },
            ignored: 1,
            resultsFrom: 2,
            results: [result(2, 'duplicate'), result(3, 'rejected')],
            finishedAt: '2026-12-01T10:00:02.000Z',
          }),
        },
      ],
      s,
    );
    expect(done.phase).toBe('ended');
    expect(done.results.map((r) => r.file)).toEqual([0, 1, 2, 3].map((i) => `lib.zip/c${i}.json`));
    expect(shouldPoll(done)).toBe(false);
  });

  it('when a page overlaps what is held, then it replaces from its index; when it leaves a gap, then it is ignored', () => {
    const held = run([
      { type: 'picked', files: 1 },
      { type: 'job', job: job({ processed: 2, results: [result(0), result(1)] }) },
    ]);
    const overlap = run(
      [{ type: 'job', job: job({ processed: 3, resultsFrom: 1, results: [result(1), result(2)] }) }],
      held,
    );
    expect(overlap.results.map((r) => r.name)).toEqual(['C0', 'C1', 'C2']);
    const gap = run(
      [{ type: 'job', job: job({ processed: 4, resultsFrom: 3, results: [result(3)] }) }],
      held,
    );
    expect(gap.results.map((r) => r.name)).toEqual(['C0', 'C1']);
    expect(nextResultsFrom(gap)).toBe(2);
  });

  it('when a late page of another job arrives, or after a reset, then it changes nothing', () => {
    const s = run([
      { type: 'picked', files: 1 },
      { type: 'job', job: job() },
    ]);
    const other = job({ id: '00000000-0000-4000-8000-000000000002', results: [result(9)] });
    expect(run([{ type: 'job', job: other }], s)).toBe(s);
    expect(run([{ type: 'reset' }, { type: 'job', job: other }], s)).toEqual(initialLibraryImport);
  });

  it('when the upload is refused, then the panel shows the error and is free again', () => {
    const s = run([
      { type: 'picked', files: 1 },
      { type: 'failed', message: 'the upload holds more than 1000 cards; split it into smaller imports' },
    ]);
    expect(libraryImportView(s)).toMatchObject({
      line: 'the upload holds more than 1000 cards; split it into smaller imports',
      busy: false,
      isError: true,
      percent: null,
    });
    expect(shouldPoll(s)).toBe(false);
  });
});

describe('libraryImportView', () => {
  it('when uploading, running and ended, then the line, the bar and the rows say so', () => {
    const uploading = run([{ type: 'picked', files: 3 }]);
    expect(libraryImportView(uploading)).toMatchObject({
      line: 'Uploading 3 files…',
      busy: true,
      percent: null,
    });

    const running = run(
      [
        {
          type: 'job',
          job: job({
            processed: 1,
            counts: { imported: 1, duplicate: 0, rejected: 0 },
            results: [result(0)],
          }),
        },
      ],
      uploading,
    );
    const v = libraryImportView(running);
    expect(v).toMatchObject({
      line: 'Importing: 1 of 4 cards (1 imported, 0 already imported, 0 rejected).',
      percent: 25,
      busy: true,
    });
    expect(v.rows).toEqual([
      { file: 'lib.zip/c0.json', name: 'C0', outcome: 'Imported', detail: '', characterId: 'c0-abc123' },
    ]);

    const ended = run(
      [
        {
          type: 'job',
          job: job({
            status: 'interrupted',
            processed: 2,
            counts: { imported: 1, duplicate: 0, rejected: 1 },
            ignored: 1,
            resultsFrom: 1,
            results: [result(1, 'rejected')],
          }),
        },
      ],
      running,
    );
    const e = libraryImportView(ended);
    expect(e).toMatchObject({
      line: 'Interrupted (the server stopped); the cards before it are kept: 1 imported, 0 already imported, 1 rejected; 1 other file ignored.',
      percent: 50,
      busy: false,
      isError: false,
    });
    expect(e.rows[1]).toEqual({
      file: 'lib.zip/c1.json',
      name: 'C1',
      outcome: 'Rejected',
      detail: 'the file is not valid JSON',
      characterId: null,
    });
  });

  it('when a job failed on the server, then its error is shown as an error', () => {
    const s = run([
      { type: 'picked', files: 1 },
      { type: 'job', job: job({ status: 'failed', error: 'the import stopped on a server error' }) },
    ]);
    expect(libraryImportView(s)).toMatchObject({ isError: true, busy: false });
    expect(libraryImportView(s).line).toMatch(/^Stopped: .* the import stopped on a server error$/);
  });
});
