import { controlsOf } from './call-state.ts';
import type { CallControlsState } from './call-state.ts';
import { h, setFlag, setText } from './dom.ts';
import { callStateLabels } from './room-status.ts';

/** How a call page names its controls. */
export interface CallControlsLabels {
  /** `data-testid` and first label of the button that starts (or joins) the call. */
  startTestId: string;
  startLabel: string;
  /** `data-testid` and label of the button that ends (or leaves) it. */
  endTestId: string;
  endLabel: string;
  /** The button that unlocks playback the browser blocked. */
  audioLabel: string;
}

/**
 * The controls both call pages show, built once and updated from `CallControlsState`: the
 * connection pill, Start, Mute, End, the button that unlocks audio, and the error line. The page
 * places them; `extra` buttons go between End and the audio button.
 */
export class CallControlsBar {
  readonly connection: HTMLElement;
  readonly start: HTMLButtonElement;
  readonly mute: HTMLButtonElement;
  readonly end: HTMLButtonElement;
  readonly audio: HTMLButtonElement;
  /** The row of buttons. */
  readonly controls: HTMLElement;
  readonly error: HTMLElement;
  readonly #startLabel: string;

  constructor(labels: CallControlsLabels, ...extra: HTMLElement[]) {
    this.#startLabel = labels.startLabel;
    this.connection = h(
      'span',
      { class: 'pill state', 'data-testid': 'connection-state', 'data-state': 'idle' },
      callStateLabels.idle,
    );
    this.start = h(
      'button',
      { type: 'button', class: 'button primary', 'data-testid': labels.startTestId },
      labels.startLabel,
    );
    this.mute = h(
      'button',
      {
        type: 'button',
        class: 'button secondary',
        'data-testid': 'mute-button',
        'aria-pressed': 'false',
        'data-muted': 'false',
        hidden: true,
      },
      'Mute',
    );
    this.end = h(
      'button',
      { type: 'button', class: 'button danger', 'data-testid': labels.endTestId, hidden: true },
      labels.endLabel,
    );
    this.audio = h(
      'button',
      { type: 'button', class: 'button secondary', 'data-testid': 'enable-audio', hidden: true },
      labels.audioLabel,
    );
    this.controls = h('div', { class: 'controls' }, this.start, this.mute, this.end, ...extra, this.audio);
    this.error = h('p', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
  }

  render(s: CallControlsState): void {
    const c = controlsOf(s, this.#startLabel);
    this.connection.setAttribute('data-state', s.state);
    setText(this.connection, callStateLabels[s.state]);
    this.start.hidden = c.inCall;
    setText(this.start, c.startLabel);
    this.mute.hidden = !c.inCall;
    this.mute.disabled = !c.muteEnabled;
    setText(this.mute, c.muteLabel);
    this.mute.setAttribute('aria-pressed', String(s.muted));
    setFlag(this.mute, 'muted', s.muted);
    this.end.hidden = !c.inCall;
    this.end.disabled = !c.endEnabled;
    this.audio.hidden = !s.audioBlocked;
    const error = this.error;
    error.hidden = s.error === null;
    if (s.error === null) error.removeAttribute('data-error-code');
    else error.setAttribute('data-error-code', s.error.code);
    setText(error, s.error?.message ?? '');
  }
}
