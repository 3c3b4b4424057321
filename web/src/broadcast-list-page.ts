import type { Broadcast } from '../../protocol/index.ts';
import { ApiError } from './api.ts';
import { listBroadcasts } from './broadcast-api.ts';
import { h } from './dom.ts';
import { sendToSignIn } from './page-guard.ts';
import { hrefFor } from './router.ts';
import './broadcast.css';

/** `#/broadcasts`: the account's broadcasts with their status, and a way to make a new one. */
export function renderBroadcastsPage(root: HTMLElement): () => void {
  if (sendToSignIn('/broadcasts')) return () => undefined;
  let gone = false;
  const status = h('p', { class: 'status', role: 'status' }, 'Loading…');
  const list = h('ul', { class: 'broadcast-list', 'data-testid': 'broadcast-list' });
  root.replaceChildren(
    h(
      'section',
      { class: 'broadcasts-page' },
      h('h1', {}, 'Broadcasts'),
      h('p', { class: 'lede' }, 'Put a room of characters on Twitch; chat talks back.'),
      h(
        'p',
        {},
        h(
          'a',
          {
            class: 'button',
            href: hrefFor({ name: 'broadcast', broadcastId: 'new' }),
            'data-testid': 'broadcast-new',
          },
          'New broadcast',
        ),
      ),
      status,
      list,
    ),
  );
  const item = (b: Broadcast): HTMLElement =>
    h(
      'li',
      { 'data-testid': 'broadcast-item' },
      h('a', { href: hrefFor({ name: 'broadcast', broadcastId: b.id }) }, b.title),
      ' ',
      h('span', { class: 'pill broadcast-status', 'data-status': b.status }, b.status),
      ' ',
      h('span', { class: 'hint' }, `${b.characterIds.length} characters · twitch.tv/${b.twitch.channel}`),
    );
  listBroadcasts()
    .then((broadcasts) => {
      if (gone) return;
      status.textContent = broadcasts.length === 0 ? 'No broadcasts yet.' : '';
      list.replaceChildren(...broadcasts.map(item));
    })
    .catch((err: unknown) => {
      if (gone) return;
      if (err instanceof ApiError && err.status === 401) {
        window.location.hash = hrefFor({ name: 'signin', next: '/broadcasts' });
        return;
      }
      status.className = 'status error';
      status.setAttribute('role', 'alert');
      status.textContent = err instanceof Error ? err.message : 'The broadcasts could not be loaded.';
    });
  return () => {
    gone = true;
  };
}
