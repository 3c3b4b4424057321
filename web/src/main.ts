import { renderAnalyticsPage } from './analytics-page.ts';
import { clearAuth, currentAuth, onAuthChange } from './auth.ts';
import { renderCatalog } from './catalog.ts';
import { h } from './dom.ts';
import { renderHistoryPage } from './history-page.ts';
import { renderNav } from './nav.ts';
import { hrefFor, parseRoute, pathOf } from './router.ts';
import { renderSessionPage } from './session-page.ts';
import { renderSigninPage } from './signin-page.ts';
import './styles.css';

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
const app: HTMLElement = root;

let cleanup: () => void = () => undefined;
let renderId = 0;

/**
 * Pages loaded on demand: the call and join pages carry livekit-client, most of the bundle, and
 * the builder carries zod; the catalog loads without either.
 */
function mountLazy(load: () => Promise<(root: HTMLElement) => () => void>, id: number): () => void {
  let inner: (() => void) | null = null;
  let gone = false;
  load()
    .then((render) => {
      if (!gone && id === renderId) inner = render(app);
    })
    .catch(() => {
      if (gone) return;
      app.replaceChildren(
        h(
          'p',
          { class: 'error', role: 'alert', 'data-testid': 'error' },
          'The page failed to load. Reload to try again.',
        ),
      );
    });
  return () => {
    gone = true;
    inner?.();
  };
}

function render(): void {
  cleanup();
  const id = ++renderId;
  const route = parseRoute(window.location.hash);
  switch (route.name) {
    case 'catalog':
      document.title = 'Troupe — companions';
      cleanup = renderCatalog(app);
      break;
    case 'call':
      document.title = 'Troupe — call';
      cleanup = mountLazy(
        () => import('./call-page.ts').then((m) => (root) => m.renderCallPage(root, route.characterId)),
        id,
      );
      break;
    case 'build':
      document.title = 'Troupe — character builder';
      cleanup = mountLazy(
        () => import('./builder-page.ts').then((m) => (root) => m.renderBuilderPage(root, route.characterId)),
        id,
      );
      break;
    case 'join':
      document.title = 'Troupe — join a call';
      cleanup = mountLazy(
        () => import('./join-page.ts').then((m) => (root) => m.renderJoinPage(root, route.code)),
        id,
      );
      break;
    case 'group':
      document.title = 'Troupe — group call';
      cleanup = mountLazy(
        () => import('./group-page.ts').then((m) => (root) => m.renderGroupPage(root, route.sessionId)),
        id,
      );
      break;
    case 'broadcasts':
      document.title = 'Troupe — broadcasts';
      cleanup = mountLazy(
        () => import('./broadcast-list-page.ts').then((m) => (root) => m.renderBroadcastsPage(root)),
        id,
      );
      break;
    case 'broadcast':
      document.title = 'Troupe — broadcast';
      cleanup = mountLazy(
        () =>
          import('./broadcast-page.ts').then(
            (m) => (root) =>
              m.renderBroadcastPage(root, route.broadcastId === 'new' ? undefined : route.broadcastId),
          ),
        id,
      );
      break;
    case 'stage':
      // No account needed: the view-only token in the address is the stage's access (OBS, egress).
      document.title = 'Troupe — stage';
      cleanup = mountLazy(
        () => import('./stage-page.ts').then((m) => (root) => m.renderStagePage(root, route.broadcastId)),
        id,
      );
      break;
    case 'history':
      document.title = 'Troupe — history';
      cleanup = renderHistoryPage(app, route.characterId);
      break;
    case 'session':
      document.title = 'Troupe — session';
      cleanup = renderSessionPage(app, route.sessionId);
      break;
    case 'analytics':
      document.title = 'Troupe — analytics';
      cleanup = renderAnalyticsPage(app, route.characterId);
      break;
    case 'signin':
      document.title = 'Troupe — sign in';
      cleanup = renderSigninPage(app, route.next);
      break;
    case 'notFound':
      document.title = 'Troupe — not found';
      app.replaceChildren(
        h(
          'section',
          { class: 'not-found' },
          h('h1', {}, 'Page not found'),
          h('p', {}, h('a', { href: hrefFor({ name: 'catalog' }) }, 'Back to the companions')),
        ),
      );
      cleanup = () => undefined;
      break;
  }
  const nav = document.getElementById('site-nav');
  if (nav !== null) renderNav(nav, route);
  app.focus({ preventScroll: true });
}

// The skip link cannot use its href: with hash routing, `#app` would be read as a route.
document.querySelector('.skip-link')?.addEventListener('click', (e) => {
  e.preventDefault();
  app.focus();
});

/** The header's account corner: who is signed in and a way out, or a way in. */
function renderAccount(): void {
  const corner = document.getElementById('account');
  if (corner === null) return;
  const auth = currentAuth();
  if (auth === null) {
    const route = parseRoute(window.location.hash);
    const next =
      route.name === 'catalog' ||
      route.name === 'notFound' ||
      route.name === 'signin' ||
      route.name === 'join'
        ? undefined
        : pathOf(route);
    corner.replaceChildren(
      route.name === 'signin'
        ? ''
        : h('a', { href: hrefFor({ name: 'signin', next }), 'data-testid': 'signin-link' }, 'Sign in'),
    );
    return;
  }
  const signOut = h('button', { type: 'button', class: 'link-button', 'data-testid': 'signout' }, 'Sign out');
  signOut.addEventListener('click', () => {
    clearAuth();
    window.location.hash = hrefFor({ name: 'catalog' });
  });
  corner.replaceChildren(
    h('span', { class: 'account-email', 'data-testid': 'account-email' }, auth.user.email),
    signOut,
  );
}

window.addEventListener('hashchange', () => {
  render();
  renderAccount();
});
onAuthChange(renderAccount);
render();
renderAccount();
