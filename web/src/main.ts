import { clearAuth, currentAuth, onAuthChange } from './auth.ts';
import { renderCatalog } from './catalog.ts';
import { h } from './dom.ts';
import { hrefFor, parseRoute } from './router.ts';
import { renderSigninPage } from './signin-page.ts';
import './styles.css';

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
const app: HTMLElement = root;

let cleanup: () => void = () => undefined;
let renderId = 0;

/** The call page carries livekit-client, most of the bundle; the catalog loads without it. */
function mountCallPage(characterId: string, id: number): () => void {
  let inner: (() => void) | null = null;
  let gone = false;
  import('./call-page.ts')
    .then(({ renderCallPage }) => {
      if (!gone && id === renderId) inner = renderCallPage(app, characterId);
    })
    .catch(() => {
      if (gone) return;
      app.replaceChildren(
        h(
          'p',
          { class: 'error', role: 'alert', 'data-testid': 'error' },
          'The call page failed to load. Reload to try again.',
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
      cleanup = mountCallPage(route.characterId, id);
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
    const next = route.name === 'call' ? `/call/${route.characterId}` : undefined;
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
