import { h, setText } from './dom.ts';
import type { PresenceView } from './presence-state.ts';

/**
 * The banner that says who is not in the call yet: "Waiting for June… 12 s", "June left; bringing
 * them back…", or the reason no character came with a Retry button. Hidden while everyone is in.
 * The ticking seconds sit outside the live region, so screen readers hear each change of phase
 * and not every second.
 */
export class PresenceBanner {
  readonly element: HTMLElement;
  readonly #message: HTMLElement;
  readonly #elapsed: HTMLElement;
  readonly #detail: HTMLElement;
  readonly #retry: HTMLButtonElement;

  /** @param onRetry called when Retry is pressed (the page re-arms the session or starts again). */
  constructor(onRetry: () => void, retryLabel = 'Retry') {
    this.#message = h('span', { class: 'presence-message', 'data-testid': 'presence-message' });
    this.#elapsed = h('span', {
      class: 'presence-elapsed',
      'data-testid': 'presence-elapsed',
      'aria-hidden': 'true',
    });
    this.#detail = h('p', { class: 'presence-detail', 'data-testid': 'presence-detail', hidden: true });
    this.#retry = h(
      'button',
      { type: 'button', class: 'button secondary', 'data-testid': 'presence-retry', hidden: true },
      retryLabel,
    );
    this.#retry.addEventListener('click', onRetry);
    this.element = h(
      'div',
      { class: 'presence', 'data-testid': 'presence', 'data-phase': 'hidden', hidden: true },
      h('p', { class: 'presence-line', role: 'status' }, this.#message, ' ', this.#elapsed),
      this.#detail,
      this.#retry,
    );
  }

  update(view: PresenceView): void {
    const el = this.element;
    el.hidden = view.phase === 'hidden';
    el.setAttribute('data-phase', view.phase);
    el.setAttribute('data-elapsed-ms', String(Math.round(view.elapsedMs)));
    setText(this.#message, view.message);
    setText(this.#elapsed, view.elapsed ?? '');
    this.#elapsed.hidden = view.elapsed === null;
    setText(this.#detail, view.detail ?? '');
    this.#detail.hidden = view.detail === null;
    this.#retry.hidden = !view.canRetry && view.phase !== 'retrying';
    this.#retry.disabled = view.phase === 'retrying';
  }
}
