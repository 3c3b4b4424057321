/**
 * Hash routes: `#/` is the catalog, `#/call/<characterId>` a call, `#/build[/<characterId>]` the
 * character builder, `#/history[/<sessionId>]` past sessions, `#/analytics[/<characterId>]` figures
 * (the account's own without an id), `#/join/<inviteCode>` a guest's way into a call, and
 * `#/signin?next=<route>` the sign-in page, which returns to `next` afterwards. Hash routing keeps every page reachable from
 * web/dist as static files, with no server fallback needed and no clash with the API's `/api` and
 * `/avatars` paths.
 */
export type Route =
  | { name: 'catalog' }
  | { name: 'call'; characterId: string }
  | { name: 'signin'; next?: string }
  | { name: 'build'; characterId?: string }
  | { name: 'history'; characterId?: string }
  | { name: 'session'; sessionId: string }
  | { name: 'analytics'; characterId?: string }
  | { name: 'join'; code: string }
  | { name: 'group'; sessionId?: string }
  | { name: 'broadcasts' }
  | { name: 'broadcast'; broadcastId: string }
  | { name: 'stage'; broadcastId: string }
  | { name: 'notFound'; path: string };

export function parseRoute(hash: string): Route {
  const full = hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = full.split('?', 2);
  if (path === '/' || path === '') return { name: 'catalog' };
  const slug = '([a-z0-9][a-z0-9-]*)';
  const call = /^\/call\/([a-z0-9][a-z0-9-]*)\/?$/.exec(path);
  if (call?.[1] !== undefined && query === '') return { name: 'call', characterId: call[1] };
  if (query === '') {
    const build = new RegExp(`^/build(?:/${slug})?/?$`).exec(path);
    if (build !== null)
      return build[1] === undefined ? { name: 'build' } : { name: 'build', characterId: build[1] };
    const session = /^\/history\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i.exec(
      path,
    );
    if (session?.[1] !== undefined) return { name: 'session', sessionId: session[1].toLowerCase() };
    const analytics = new RegExp(`^/analytics(?:/${slug})?/?$`).exec(path);
    if (analytics !== null)
      return analytics[1] === undefined
        ? { name: 'analytics' }
        : { name: 'analytics', characterId: analytics[1] };
    const join = /^\/join\/([A-Za-z0-9_-]{8,128})\/?$/.exec(path);
    if (join?.[1] !== undefined) return { name: 'join', code: join[1] };
    // `#/group` chooses a cast; `#/group/<sessionId>` rejoins one's own group call in progress.
    const group = /^\/group(?:\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}))?\/?$/i.exec(
      path,
    );
    if (group !== null)
      return group[1] === undefined
        ? { name: 'group' }
        : { name: 'group', sessionId: group[1].toLowerCase() };
  }
  // `#/broadcasts` lists them, `#/broadcast/new|<id>` controls one; `#/stage/<id>?token=…&url=…`
  // is the audience's view (OBS, egress), whose query carries its view-only access.
  const uuid = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';
  if (query === '' && /^\/broadcasts\/?$/.test(path)) return { name: 'broadcasts' };
  const broadcast = new RegExp(`^/broadcast/(new|${uuid})/?$`, 'i').exec(path);
  if (broadcast?.[1] !== undefined && query === '')
    return { name: 'broadcast', broadcastId: broadcast[1].toLowerCase() };
  const stage = new RegExp(`^/stage/${uuid}/?$`, 'i').exec(path);
  if (stage?.[1] !== undefined) return { name: 'stage', broadcastId: stage[1].toLowerCase() };
  if (/^\/history\/?$/.test(path)) {
    const character = new URLSearchParams(query).get('character');
    return character !== null && new RegExp(`^${slug}$`).test(character)
      ? { name: 'history', characterId: character }
      : { name: 'history' };
  }
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
  return (
    route.name !== 'signin' && route.name !== 'notFound' && route.name !== 'join' && route.name !== 'stage'
  );
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'catalog':
      return '#/';
    case 'call':
      return `#/call/${encodeURIComponent(route.characterId)}`;
    case 'signin':
      return route.next === undefined ? '#/signin' : `#/signin?next=${encodeURIComponent(route.next)}`;
    case 'build':
      return route.characterId === undefined ? '#/build' : `#/build/${encodeURIComponent(route.characterId)}`;
    case 'history':
      return route.characterId === undefined
        ? '#/history'
        : `#/history?character=${encodeURIComponent(route.characterId)}`;
    case 'session':
      return `#/history/${encodeURIComponent(route.sessionId)}`;
    case 'analytics':
      return route.characterId === undefined
        ? '#/analytics'
        : `#/analytics/${encodeURIComponent(route.characterId)}`;
    case 'join':
      return `#/join/${encodeURIComponent(route.code)}`;
    case 'group':
      return route.sessionId === undefined ? '#/group' : `#/group/${encodeURIComponent(route.sessionId)}`;
    case 'broadcasts':
      return '#/broadcasts';
    case 'broadcast':
      return `#/broadcast/${encodeURIComponent(route.broadcastId)}`;
    case 'stage':
      return `#/stage/${encodeURIComponent(route.broadcastId)}`;
    case 'notFound':
      return `#${route.path}`;
  }
}

/** The route as a `next` for the sign-in page (`#/build/ada` → `/build/ada`). */
export function pathOf(route: Route): string {
  return hrefFor(route).replace(/^#/, '');
}
