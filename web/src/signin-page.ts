import { ApiError, authenticate } from './api.ts';
import { currentAuth } from './auth.ts';
import { field, h } from './dom.ts';
import { hrefFor } from './router.ts';

type Mode = 'signin' | 'signup';

const copy: Record<Mode, { title: string; submit: string; switchTo: string; password: string }> = {
  signin: {
    title: 'Sign in',
    submit: 'Sign in',
    switchTo: 'New here? Create an account',
    password: 'current-password',
  },
  signup: {
    title: 'Create an account',
    submit: 'Create account',
    switchTo: 'Have an account? Sign in',
    password: 'new-password',
  },
};

const friendly: Record<string, string> = {
  conflict: 'An account with this email already exists. Sign in instead.',
  unauthorized: 'Wrong email or password.',
  validation_failed: 'Enter a valid email and a password of at least 10 characters.',
  rate_limited: 'Too many attempts. Wait a minute and try again.',
};

/** Where to go once signed in: the page that sent us here, or the catalog. */
const destination = (next: string | undefined): string =>
  next === undefined ? hrefFor({ name: 'catalog' }) : `#${next}`;

/** Sign in or sign up with email and password; returns its cleanup. */
export function renderSigninPage(root: HTMLElement, next: string | undefined): () => void {
  const controller = new AbortController();
  let mode: Mode = 'signin';
  let busy = false;

  const title = h('h1', { id: 'signin-title' });
  const email = h('input', {
    id: 'signin-email',
    type: 'email',
    required: true,
    maxlength: 254,
    autocomplete: 'email',
    'data-testid': 'signin-email',
  });
  const password = h('input', {
    id: 'signin-password',
    type: 'password',
    required: true,
    minlength: 10,
    maxlength: 256,
    'data-testid': 'signin-password',
  });
  const passwordHint = h('small', { class: 'hint', id: 'signin-password-hint' }, 'At least 10 characters.');
  const submit = h('button', { type: 'submit', class: 'button primary', 'data-testid': 'signin-submit' });
  const toggle = h('button', { type: 'button', class: 'link-button', 'data-testid': 'signin-mode' });
  const error = h('p', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
  const form = h(
    'form',
    {
      class: 'signin-form',
      'data-testid': 'signin-form',
      'aria-labelledby': 'signin-title',
      novalidate: true,
    },
    field('signin-email', 'Email', email),
    h('div', { class: 'field' }, h('label', { for: 'signin-password' }, 'Password'), password, passwordHint),
    error,
    h('div', { class: 'controls' }, submit),
    toggle,
  );
  const signedIn = currentAuth();
  root.replaceChildren(
    h(
      'section',
      { class: 'signin', 'data-testid': 'signin-page', 'data-mode': mode },
      h('a', { class: 'back', href: hrefFor({ name: 'catalog' }) }, '← All companions'),
      title,
      next === undefined
        ? null
        : h('p', { class: 'lede' }, 'Sign in to start a call. You will come straight back.'),
      signedIn === null ? null : h('p', { class: 'hint' }, `Signed in as ${signedIn.user.email}.`),
      form,
    ),
  );

  const render = (): void => {
    const c = copy[mode];
    title.textContent = c.title;
    submit.textContent = busy ? 'Please wait…' : c.submit;
    submit.disabled = busy;
    toggle.textContent = c.switchTo;
    password.setAttribute('autocomplete', c.password);
    passwordHint.hidden = mode !== 'signup';
    form.parentElement?.setAttribute('data-mode', mode);
  };
  const showError = (message: string, code: string): void => {
    error.hidden = false;
    error.setAttribute('data-error-code', code);
    error.textContent = message;
  };

  toggle.addEventListener('click', () => {
    mode = mode === 'signin' ? 'signup' : 'signin';
    error.hidden = true;
    render();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (busy) return;
    if (!form.checkValidity()) {
      showError(
        mode === 'signup'
          ? 'Enter your email and a password of at least 10 characters.'
          : 'Enter your email and password.',
        'client',
      );
      return;
    }
    busy = true;
    error.hidden = true;
    render();
    authenticate(mode, email.value.trim(), password.value)
      .then(() => {
        if (!controller.signal.aborted) window.location.hash = destination(next);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        busy = false;
        render();
        if (!(err instanceof ApiError)) showError('Something went wrong. Try again.', 'client');
        else showError(friendly[err.code] ?? err.message, err.code);
      });
  });

  render();
  email.focus();
  return () => controller.abort();
}
