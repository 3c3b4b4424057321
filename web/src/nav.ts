import { h } from './dom.ts';
import { hrefFor } from './router.ts';
import type { Route } from './router.ts';

/** The header's sections; `section` says which routes light each one up. */
const links: Array<{ label: string; route: Route; section: ReadonlyArray<Route['name']> }> = [
  { label: 'Catalog', route: { name: 'catalog' }, section: ['catalog', 'call'] },
  { label: 'Group', route: { name: 'group' }, section: ['group'] },
  { label: 'Build', route: { name: 'build' }, section: ['build'] },
  { label: 'History', route: { name: 'history' }, section: ['history', 'session'] },
  { label: 'Analytics', route: { name: 'analytics' }, section: ['analytics'] },
  { label: 'Broadcasts', route: { name: 'broadcasts' }, section: ['broadcasts', 'broadcast'] },
];

/** Draws the site navigation into `nav`, marking the current section with aria-current. */
export function renderNav(nav: HTMLElement, current: Route): void {
  nav.replaceChildren(
    h(
      'ul',
      {},
      ...links.map((l) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: hrefFor(l.route),
              'data-testid': `nav-${l.label.toLowerCase()}`,
              'aria-current': l.section.includes(current.name) ? 'page' : null,
            },
            l.label,
          ),
        ),
      ),
    ),
  );
}
