import type { Character, CharacterScope, CharacterSort } from '../../protocol/index.ts';
import { ApiError } from './api.ts';
import { catalogPage, cloneCharacter } from './api-characters.ts';
import { currentAuth } from './auth.ts';
import { debounce, field, h } from './dom.ts';
import { hrefFor, pathOf } from './router.ts';
import { defaultCatalogFilters, tagCounts } from './query.ts';
import type { CatalogFilters } from './query.ts';

/** Characters per page of the catalog. */
const pageSize = 24;
/** Typing pauses this long before the search runs. */
const searchDebounceMs = 250;

const scopes: Array<[CharacterScope, string]> = [
  ['all', 'All'],
  ['mine', 'Mine'],
  ['builtin', 'Built-in'],
  ['public', 'Shared'],
];
const sorts: Array<[CharacterSort | '', string]> = [
  ['', 'Featured'],
  ['name', 'Name'],
  ['newest', 'Newest'],
  ['popular', 'Most called'],
];

function errorText(err: unknown, what: string): string {
  return err instanceof ApiError ? err.message : `Something went wrong while ${what}.`;
}

/** The catalog of companions with search, filters and paging; returns its cleanup. */
export function renderCatalog(root: HTMLElement): () => void {
  const controller = new AbortController();
  const userId = currentAuth()?.user.id ?? null;
  let filters: CatalogFilters = { ...defaultCatalogFilters, tags: [] };
  let cursor: string | null = null;
  let shown: Character[] = [];
  /** Every tag seen while the page is open, so chips do not vanish as filters narrow the list. */
  const knownTags = new Map<string, number>();
  let generation = 0;

  const status = h('p', { class: 'status', role: 'status', 'data-testid': 'catalog-status' });
  const errorEl = h('div', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
  const grid = h('ul', { class: 'grid', 'data-testid': 'catalog', 'aria-labelledby': 'catalog-title' });
  const search = h('input', {
    type: 'search',
    id: 'catalog-search',
    placeholder: 'Search by name, tagline or tag',
    'data-testid': 'catalog-search',
    autocomplete: 'off',
  });
  const scope = h(
    'select',
    { id: 'catalog-scope', 'data-testid': 'catalog-scope' },
    ...scopes.map(([v, label]) => h('option', { value: v }, label)),
  );
  const sort = h(
    'select',
    { id: 'catalog-sort', 'data-testid': 'catalog-sort' },
    ...sorts.map(([v, label]) => h('option', { value: v }, label)),
  );
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Tags', 'data-testid': 'tag-chips' });
  const more = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'load-more', hidden: true },
    'Load more',
  );
  root.replaceChildren(
    h(
      'section',
      { class: 'catalog' },
      h(
        'div',
        { class: 'page-head' },
        h('h1', { id: 'catalog-title' }, 'Pick a companion'),
        h(
          'a',
          { class: 'button primary', href: hrefFor({ name: 'build' }), 'data-testid': 'new-character' },
          'New character',
        ),
      ),
      h(
        'p',
        { class: 'lede' },
        'Choose someone to talk to. Calls are live voice: have your microphone ready.',
      ),
      h(
        'div',
        { class: 'filters', role: 'search' },
        h('div', { class: 'field grow' }, h('label', { for: 'catalog-search' }, 'Search'), search),
        field('catalog-scope', 'Show', scope),
        field('catalog-sort', 'Order', sort),
      ),
      chips,
      status,
      errorEl,
      grid,
      h('div', { class: 'controls center' }, more),
    ),
  );

  const renderChips = (): void => {
    const tags = [...knownTags.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 24)
      .map(([t]) => t);
    for (const t of filters.tags) if (!tags.includes(t)) tags.push(t);
    chips.replaceChildren(
      ...tags.map((tag) => {
        const on = filters.tags.includes(tag);
        return h(
          'button',
          {
            type: 'button',
            class: 'chip',
            'aria-pressed': String(on),
            'data-testid': 'tag-chip',
            'data-tag': tag,
          },
          tag,
        );
      }),
    );
  };

  const card = (c: Character): HTMLElement => {
    const own = userId !== null && c.ownerId === userId;
    const clone = h(
      'button',
      { type: 'button', class: 'link-button', 'data-testid': 'clone-character' },
      'Clone',
    );
    clone.addEventListener('click', () => {
      if (userId === null) {
        window.location.hash = hrefFor({ name: 'signin', next: pathOf({ name: 'catalog' }) });
        return;
      }
      clone.disabled = true;
      cloneCharacter(c.id)
        .then((copy) => {
          window.location.hash = hrefFor({ name: 'build', characterId: copy.id });
        })
        .catch((err: unknown) => {
          clone.disabled = false;
          showError(errorText(err, 'cloning'));
        });
    });
    return h(
      'li',
      { class: 'card-item' },
      h(
        'a',
        {
          class: 'card',
          href: hrefFor({ name: 'call', characterId: c.id }),
          'data-testid': 'character-card',
          'data-character-id': c.id,
          'aria-label': `Call ${c.name}: ${c.tagline}`,
        },
        h('img', { class: 'avatar', src: c.avatarUrl, alt: '', width: 96, height: 96, loading: 'lazy' }),
        h('h2', { class: 'card-name' }, c.name),
        h('p', { class: 'card-tagline' }, c.tagline),
        h('ul', { class: 'traits', 'aria-label': 'Traits' }, ...c.persona.traits.map((t) => h('li', {}, t))),
        c.visibility === 'public' && !c.builtIn ? h('span', { class: 'pill' }, 'Shared') : null,
      ),
      h(
        'div',
        { class: 'card-actions', 'aria-label': `${c.name}: actions` },
        own
          ? h(
              'a',
              { href: hrefFor({ name: 'build', characterId: c.id }), 'data-testid': 'edit-character' },
              'Edit',
            )
          : null,
        clone,
        h(
          'a',
          { href: hrefFor({ name: 'history', characterId: c.id }), 'data-testid': 'character-history' },
          'History',
        ),
        h('a', { href: hrefFor({ name: 'analytics', characterId: c.id }) }, 'Analytics'),
      ),
    );
  };

  const showError = (message: string): void => {
    errorEl.textContent = message;
    errorEl.hidden = false;
  };

  /** Loads the first page for the current filters, or the next one with `append`. */
  const load = async (append: boolean): Promise<void> => {
    const id = ++generation;
    errorEl.hidden = true;
    status.hidden = false;
    status.textContent = append ? 'Loading more…' : 'Loading companions…';
    more.disabled = true;
    try {
      const page = await catalogPage(filters, { limit: pageSize, ...(append && cursor ? { cursor } : {}) });
      if (controller.signal.aborted || id !== generation) return;
      for (const { tag, count } of tagCounts(page.characters))
        knownTags.set(tag, (knownTags.get(tag) ?? 0) + count);
      const fresh = page.characters;
      shown = append ? [...shown, ...fresh.filter((c) => !shown.some((s) => s.id === c.id))] : fresh;
      cursor = page.nextCursor;
      grid.replaceChildren(...shown.map(card));
      grid.setAttribute('data-total', String(page.total));
      more.hidden = cursor === null;
      more.disabled = false;
      status.textContent = shown.length === 0 ? 'No companions match.' : '';
      status.hidden = shown.length !== 0;
      renderChips();
    } catch (err) {
      if (controller.signal.aborted || id !== generation) return;
      status.hidden = true;
      more.disabled = false;
      errorEl.setAttribute('data-error-code', err instanceof ApiError ? err.code : 'client');
      showError(errorText(err, 'loading companions'));
    }
  };

  const reload = (): void => void load(false);
  const searchLater = debounce(() => {
    filters = { ...filters, q: search.value };
    reload();
  }, searchDebounceMs);
  search.addEventListener('input', searchLater);
  scope.addEventListener('change', () => {
    if (scope.value === 'mine' && userId === null) {
      window.location.hash = hrefFor({ name: 'signin', next: pathOf({ name: 'catalog' }) });
      return;
    }
    filters = { ...filters, scope: scope.value as CharacterScope };
    reload();
  });
  sort.addEventListener('change', () => {
    const { sort: _old, ...rest } = filters;
    filters = sort.value === '' ? rest : { ...rest, sort: sort.value as CharacterSort };
    reload();
  });
  chips.addEventListener('click', (e) => {
    const tag = (e.target as HTMLElement).closest<HTMLElement>('[data-tag]')?.dataset.tag;
    if (tag === undefined) return;
    filters = {
      ...filters,
      tags: filters.tags.includes(tag) ? filters.tags.filter((t) => t !== tag) : [...filters.tags, tag],
    };
    reload();
  });
  more.addEventListener('click', () => void load(true));
  reload();
  return () => {
    searchLater.cancel();
    controller.abort();
  };
}
