import type { Character } from '../../protocol/index.ts';
import { ApiError, listCharacters } from './api.ts';
import { h } from './dom.ts';
import { hrefFor } from './router.ts';

function card(c: Character): HTMLElement {
  return h(
    'li',
    {},
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
    ),
  );
}

/** The catalog of companions; returns its cleanup. */
export function renderCatalog(root: HTMLElement): () => void {
  const controller = new AbortController();
  const status = h('p', { class: 'status', role: 'status', 'data-testid': 'catalog-status' });
  const errorText = h('span', {});
  const retry = h('button', { type: 'button', class: 'button secondary' }, 'Try again');
  const error = h(
    'div',
    { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true },
    errorText,
    ' ',
    retry,
  );
  const grid = h('ul', { class: 'grid', 'data-testid': 'catalog', 'aria-labelledby': 'catalog-title' });
  root.replaceChildren(
    h(
      'section',
      { class: 'catalog' },
      h('h1', { id: 'catalog-title' }, 'Pick a companion'),
      h(
        'p',
        { class: 'lede' },
        'Choose someone to talk to. Calls are live voice: have your microphone ready.',
      ),
      status,
      error,
      grid,
    ),
  );

  const load = async (): Promise<void> => {
    error.hidden = true;
    status.hidden = false;
    status.textContent = 'Loading companions…';
    try {
      const characters = await listCharacters();
      if (controller.signal.aborted) return;
      grid.replaceChildren(...characters.map(card));
      status.textContent = characters.length === 0 ? 'No companions yet.' : '';
      status.hidden = characters.length !== 0;
    } catch (err) {
      if (controller.signal.aborted) return;
      status.hidden = true;
      errorText.textContent =
        err instanceof ApiError ? err.message : 'Something went wrong while loading companions.';
      error.setAttribute('data-error-code', err instanceof ApiError ? err.code : 'client');
      error.hidden = false;
    }
  };
  retry.addEventListener('click', () => void load());
  void load();
  return () => controller.abort();
}
