import type { Character, SessionStatus, SessionSummary } from '../../protocol/index.ts';
import { ApiError, listCharacters } from './api.ts';
import { listSessions } from './api-sessions.ts';
import { field, h } from './dom.ts';
import { sendToSignIn } from './page-guard.ts';
import { formatDuration } from './format.ts';
import { defaultHistoryFilters } from './query.ts';
import type { HistoryFilters } from './query.ts';
import { hrefFor } from './router.ts';

const pageSize = 25;

/** The account's past sessions with filters; returns its cleanup. */
export function renderHistoryPage(root: HTMLElement, characterId: string | undefined): () => void {
  const controller = new AbortController();
  if (sendToSignIn({ name: 'history', ...(characterId ? { characterId } : {}) })) return () => undefined;
  let filters: HistoryFilters = { ...defaultHistoryFilters, characterId: characterId ?? '' };
  let cursor: string | null = null;
  let rows: SessionSummary[] = [];
  let names = new Map<string, string>();
  let generation = 0;

  const character = h(
    'select',
    { id: 'history-character', 'data-testid': 'history-character' },
    h('option', { value: '' }, 'Any character'),
  );
  const status = h(
    'select',
    { id: 'history-status', 'data-testid': 'history-status' },
    ...(
      [
        ['', 'Any status'],
        ['ended', 'Ended'],
        ['active', 'In progress'],
        ['created', 'Not started'],
        ['failed', 'Failed'],
      ] as Array<[SessionStatus | '', string]>
    ).map(([v, label]) => h('option', { value: v }, label)),
  );
  const from = h('input', { type: 'date', id: 'history-from', 'data-testid': 'history-from' });
  const to = h('input', { type: 'date', id: 'history-to', 'data-testid': 'history-to' });
  const list = h('ol', { class: 'session-list', 'data-testid': 'session-list' });
  const info = h('p', { class: 'status', role: 'status', 'data-testid': 'history-status-line' });
  const errorEl = h('p', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
  const more = h(
    'button',
    { type: 'button', class: 'button secondary', hidden: true, 'data-testid': 'load-more' },
    'Load more',
  );
  root.replaceChildren(
    h(
      'section',
      { class: 'history', 'data-testid': 'history-page' },
      h('h1', {}, 'History'),
      h('p', { class: 'lede' }, 'Your past calls: open one for its transcript and latency.'),
      h(
        'div',
        { class: 'filters' },
        field('history-character', 'Character', character),
        field('history-status', 'Status', status),
        field('history-from', 'From', from),
        field('history-to', 'To', to),
      ),
      info,
      errorEl,
      list,
      h('div', { class: 'controls center' }, more),
    ),
  );

  const row = (s: SessionSummary): HTMLElement =>
    h(
      'li',
      { 'data-testid': 'session-row', 'data-session-id': s.id, 'data-status': s.status },
      h(
        'a',
        { href: hrefFor({ name: 'session', sessionId: s.id }), class: 'session-link' },
        h('strong', {}, names.get(s.characterId) ?? s.characterId),
        h('span', { class: 'muted' }, new Date(s.createdAt).toLocaleString()),
        h('span', { class: 'pill' }, s.mode === 'group' ? 'Group' : 'Call'),
        h('span', { class: `pill status-${s.status}` }, s.status),
        h('span', { class: 'muted' }, s.durationMs === null ? '' : formatDuration(s.durationMs)),
      ),
    );

  const load = async (append: boolean): Promise<void> => {
    const id = ++generation;
    errorEl.hidden = true;
    info.hidden = false;
    info.textContent = 'Loading sessions…';
    try {
      const page = await listSessions(filters, { limit: pageSize, ...(append && cursor ? { cursor } : {}) });
      if (controller.signal.aborted || id !== generation) return;
      const fresh = page.sessions;
      rows = append ? [...rows, ...fresh] : fresh;
      cursor = page.nextCursor;
      list.replaceChildren(...rows.map(row));
      more.hidden = cursor === null;
      info.textContent = rows.length === 0 ? 'No sessions match.' : '';
      info.hidden = rows.length !== 0;
    } catch (err) {
      if (controller.signal.aborted || id !== generation) return;
      info.hidden = true;
      errorEl.hidden = false;
      errorEl.textContent = err instanceof ApiError ? err.message : 'Could not load the sessions.';
    }
  };

  const apply = (): void => {
    filters = {
      characterId: character.value,
      status: status.value as HistoryFilters['status'],
      from: from.value,
      to: to.value,
    };
    void load(false);
  };
  for (const el of [character, status, from, to]) el.addEventListener('change', apply);
  more.addEventListener('click', () => void load(true));

  void listCharacters()
    .then((characters: Character[]) => {
      if (controller.signal.aborted) return;
      names = new Map(characters.map((c) => [c.id, c.name]));
      character.append(...characters.map((c) => h('option', { value: c.id }, c.name)));
      character.value = filters.characterId;
      list.replaceChildren(...rows.map(row));
    })
    .catch(() => undefined);
  void load(false);
  return () => controller.abort();
}
