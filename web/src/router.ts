/**
 * Hash routes: `#/` is the catalog, `#/call/<characterId>` a call. Hash routing keeps every page
 * reachable from web/dist as static files, with no server fallback needed and no clash with the
 * API's `/api` and `/avatars` paths.
 */
export type Route =
  { name: 'catalog' } | { name: 'call'; characterId: string } | { name: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '') return { name: 'catalog' };
  const call = /^\/call\/([a-z0-9][a-z0-9-]*)\/?$/.exec(path);
  if (call?.[1] !== undefined) return { name: 'call', characterId: call[1] };
  return { name: 'notFound', path };
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'catalog':
      return '#/';
    case 'call':
      return `#/call/${encodeURIComponent(route.characterId)}`;
    case 'notFound':
      return `#${route.path}`;
  }
}
