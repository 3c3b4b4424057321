/**
 * Hash routes: `#/` is the catalog, `#/call/<characterId>` a call, `#/signin?next=<route>` the
 * sign-in page, which returns to `next` afterwards. Hash routing keeps every page reachable from
 * web/dist as static files, with no server fallback needed and no clash with the API's `/api` and
 * `/avatars` paths.
 */
export type Route =
  | { name: 'catalog' }
  | { name: 'call'; characterId: string }
  | { name: 'signin'; next?: string }
  | { name: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const full = hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = full.split('?', 2);
  if (path === '/' || path === '') return { name: 'catalog' };
  const call = /^\/call\/([a-z0-9][a-z0-9-]*)\/?$/.exec(path);
  if (call?.[1] !== undefined && query === '') return { name: 'call', characterId: call[1] };
  if (path === '/signin') {
    const next = new URLSearchParams(query).get('next');
    return next !== null && isReturnable(next) ? { name: 'signin', next } : { name: 'signin' };
  }
  return { name: 'notFound', path: full };
}

/** Only the app's own pages are places to return to after signing in: never another site. */
function isReturnable(next: string): boolean {
  if (!next.startsWith('/') || next.startsWith('//')) return false;
  const route = parseRoute(`#${next}`);
  return route.name === 'catalog' || route.name === 'call';
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'catalog':
      return '#/';
    case 'call':
      return `#/call/${encodeURIComponent(route.characterId)}`;
    case 'signin':
      return route.next === undefined ? '#/signin' : `#/signin?next=${encodeURIComponent(route.next)}`;
    case 'notFound':
      return `#${route.path}`;
  }
}
