import { ApiError } from './api.ts';
import { messageOf } from './builder-extras.ts';
import { h, setText } from './dom.ts';
import { getLibraryImport, startLibraryImport } from './library-import-api.ts';
import {
  initialLibraryImport,
  libraryImportView,
  nextResultsFrom,
  reduceLibraryImport,
  shouldPoll,
  type LibraryImportEvent,
  type LibraryImportState,
  type LibraryImportViewModel,
} from './library-import-state.ts';
import { hrefFor } from './router.ts';

/** How often a running import is polled. */
const POLL_MS = 700;
/** Failed polls in a row (network, 5xx) before the panel gives up and says so. */
const MAX_POLL_FAILURES = 5;

/**
 * "Import a library": pick ZIP libraries and card files (several at once), upload them as one
 * import, then a progress bar and a table of each card's outcome while the job runs. Polling stops
 * when `signal` aborts (the page is left).
 */
export function libraryImportPanel(signal?: AbortSignal): HTMLElement {
  let state: LibraryImportState = initialLibraryImport;
  const input = h('input', {
    type: 'file',
    multiple: true,
    accept: '.zip,.json,.png,.charx,application/zip,application/json,image/png',
    id: 'library-files',
    'data-testid': 'library-files',
  });
  const bar = h('progress', { max: 100, value: 0, hidden: true, 'data-testid': 'library-progress' });
  const line = h('p', { class: 'hint', role: 'status', 'data-testid': 'library-status' });
  const rows = h('tbody');
  const table = h(
    'table',
    { class: 'library-results', 'data-testid': 'library-results' },
    h('thead', {}, h('tr', {}, h('th', {}, 'File'), h('th', {}, 'Character'), h('th', {}, 'Outcome'))),
    rows,
  );
  const scroll = h('div', { class: 'library-results-scroll', hidden: true }, table);
  let shown = 0;

  const render = (v: LibraryImportViewModel): void => {
    input.disabled = v.busy;
    line.className = v.isError ? 'error' : 'hint';
    setText(line, v.line);
    bar.hidden = v.percent === null;
    bar.value = v.percent ?? 0;
    // Results only grow while a job runs; a new upload starts the table over.
    if (v.rows.length < shown) {
      rows.replaceChildren();
      shown = 0;
    }
    rows.append(...v.rows.slice(shown).map(resultRow));
    shown = v.rows.length;
    scroll.hidden = shown === 0;
  };
  const dispatch = (event: LibraryImportEvent): void => {
    state = reduceLibraryImport(state, event);
    render(libraryImportView(state));
  };

  const poll = async (): Promise<void> => {
    let failures = 0;
    while (shouldPoll(state) && !signal?.aborted) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (signal?.aborted || state.jobId === null) return;
      try {
        dispatch({ type: 'job', job: await getLibraryImport(state.jobId, nextResultsFrom(state)) });
        failures = 0;
      } catch (err) {
        const transient = err instanceof ApiError && err.retryable;
        if (transient && ++failures < MAX_POLL_FAILURES) continue;
        dispatch({ type: 'failed', message: `Lost track of the import: ${messageOf(err)}` });
      }
    }
  };

  input.addEventListener('change', () => {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length === 0 || libraryImportView(state).busy) return;
    dispatch({ type: 'picked', files: files.length });
    startLibraryImport(files)
      .then((job) => {
        dispatch({ type: 'job', job });
        return poll();
      })
      .catch((err: unknown) => dispatch({ type: 'failed', message: messageOf(err) }));
  });

  return h(
    'section',
    { class: 'panel', 'data-testid': 'library-import' },
    h('h2', {}, 'Import a library'),
    h(
      'p',
      { class: 'hint' },
      'ZIP archives of character cards, or several card files at once (PNG, JSON, .charx). ' +
        'Cards you already imported are skipped.',
    ),
    h('div', { class: 'field' }, h('label', { for: 'library-files' }, 'Choose files'), input),
    bar,
    line,
    scroll,
  );
}

function resultRow(r: LibraryImportViewModel['rows'][number]): HTMLElement {
  const name =
    r.characterId === null
      ? r.name
      : h('a', { href: hrefFor({ name: 'build', characterId: r.characterId }) }, r.name || r.characterId);
  return h(
    'tr',
    { 'data-testid': 'library-result' },
    h('td', {}, r.file),
    h('td', {}, name),
    h('td', {}, r.outcome, r.detail ? h('span', { class: 'hint' }, r.detail) : null),
  );
}
