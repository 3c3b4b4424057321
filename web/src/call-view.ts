import type { Character } from '../../protocol/index.ts';
import { describeProviders } from './agent-status.ts';
import type { AgentStatus } from './agent-status.ts';
import { CallControlsBar } from './call-controls-view.ts';
import { callControls, elapsedMs, timerRunning } from './call-state.ts';
import type { CallView } from './call-state.ts';
import { displayNameInput, readDisplayName } from './display-name.ts';
import { field, h, setFlag, setText } from './dom.ts';
import { formatDuration } from './format.ts';
import { hrefFor } from './router.ts';
import { transcriptPanel } from './transcript-view.ts';
import type { TranscriptView } from './transcript-view.ts';

/** How often the call timer is redrawn while it runs. */
const TIMER_TICK_MS = 250;

/**
 * The one-to-one call page's elements, built once and updated from `CallView` by `render`. The
 * page wires the buttons; the view's own effect is the timer that redraws the call's duration.
 */
export class CallPageView {
  readonly element: HTMLElement;
  readonly bar: CallControlsBar;
  readonly nameInput: HTMLInputElement;
  readonly audioContainer: HTMLElement;
  readonly #character: Character;
  readonly #portrait: HTMLElement;
  readonly #timer: HTMLElement;
  readonly #offline: HTMLElement;
  readonly #tooltip: HTMLElement;
  readonly #meter: HTMLElement;
  readonly #meterFill: HTMLElement;
  readonly #hint: HTMLElement;
  readonly #transcript: TranscriptView;
  #shown: CallView | null = null;
  #ticker: ReturnType<typeof setInterval> | null = null;

  /** @param banner the presence banner's element, placed above the error line. */
  constructor(character: Character, banner: HTMLElement) {
    this.#character = character;
    this.#portrait = h(
      'div',
      { class: 'portrait', 'data-testid': 'agent-avatar', 'data-speaking': 'false' },
      h('img', { src: character.avatarUrl, alt: `Portrait of ${character.name}`, width: 160, height: 160 }),
    );
    this.bar = new CallControlsBar({
      startTestId: 'start-call',
      startLabel: 'Start call',
      endTestId: 'end-call',
      endLabel: 'End call',
      audioLabel: `Click to hear ${character.name}`,
    });
    this.#timer = h(
      'span',
      {
        class: 'pill timer',
        'data-testid': 'call-timer',
        'data-elapsed-ms': '0',
        'aria-label': 'Call duration',
      },
      '0:00',
    );
    this.#tooltip = h('span', {
      class: 'tooltip',
      role: 'tooltip',
      id: 'offline-tooltip',
      'data-testid': 'offline-tooltip',
    });
    this.#offline = h(
      'span',
      {
        class: 'pill offline',
        'data-testid': 'offline-badge',
        tabindex: 0,
        'aria-describedby': 'offline-tooltip',
        hidden: true,
      },
      'Offline voices',
      this.#tooltip,
    );
    this.#meterFill = h('span', { class: 'meter-fill' });
    this.#meter = h(
      'div',
      {
        class: 'meter',
        role: 'meter',
        'aria-label': `${character.name}'s voice level`,
        'aria-valuemin': 0,
        'aria-valuemax': 1,
        'aria-valuenow': 0,
        'data-testid': 'agent-level',
        'data-level': '0',
        'data-max-level': '0',
      },
      this.#meterFill,
    );
    this.nameInput = displayNameInput('display-name', { placeholder: 'Optional', value: readDisplayName() });
    this.#hint = h(
      'p',
      { class: 'hint', 'data-testid': 'call-status' },
      'Press Start call and allow the microphone.',
    );
    const transcript = transcriptPanel('transcript-title');
    this.#transcript = transcript.view;
    this.audioContainer = h('div', { class: 'audio-sink', 'aria-hidden': 'true' });
    this.element = h(
      'section',
      {
        class: 'call',
        'data-testid': 'call-page',
        'data-character-id': character.id,
        'data-agent': 'absent',
      },
      h('a', { class: 'back', href: hrefFor({ name: 'catalog' }) }, '← All companions'),
      h(
        'div',
        { class: 'call-grid' },
        h(
          'div',
          { class: 'stage' },
          this.#portrait,
          h('h1', { class: 'call-name' }, character.name),
          h('p', { class: 'tagline' }, character.tagline),
          h('div', { class: 'pills' }, this.bar.connection, this.#timer, this.#offline),
          this.#meter,
          field('display-name', 'Your name', this.nameInput),
          this.bar.controls,
          banner,
          this.bar.error,
          this.#hint,
        ),
        transcript.element,
      ),
      this.audioContainer,
    );
  }

  render(view: CallView): void {
    const shown = this.#shown;
    this.#shown = view;
    this.bar.render(view);
    const c = callControls(view, this.#character.name);
    this.nameInput.disabled = c.inCall;
    setText(this.#hint, c.hint);
    this.element.setAttribute('data-agent', view.agentPresent ? 'present' : 'absent');
    if (view.speaking !== null) {
      setFlag(this.#portrait, 'speaking', view.speaking.agent);
      setFlag(this.element, 'local-speaking', view.speaking.local);
    }
    if (view.level !== null && view.level !== shown?.level) this.#renderLevel(view.level);
    if (view.agentStatus !== shown?.agentStatus) this.#renderAgentStatus(view.agentStatus);
    if (view.transcript !== shown?.transcript) this.#transcript.update(view.transcript);
    const running = timerRunning(view);
    if (running && this.#ticker === null)
      this.#ticker = setInterval(() => this.#renderTimer(), TIMER_TICK_MS);
    if (!running) this.stopTimer();
    this.#renderTimer();
  }

  /** Stops the timer's redraws (the page is going away). */
  stopTimer(): void {
    if (this.#ticker === null) return;
    clearInterval(this.#ticker);
    this.#ticker = null;
  }

  #renderTimer(): void {
    const elapsed = this.#shown === null ? 0 : elapsedMs(this.#shown, Date.now());
    this.#timer.textContent = formatDuration(elapsed);
    this.#timer.setAttribute('data-elapsed-ms', String(Math.round(elapsed)));
  }

  #renderLevel({ level, max }: { level: number; max: number }): void {
    const meter = this.#meter;
    meter.setAttribute('data-level', level.toFixed(4));
    meter.setAttribute('data-max-level', max.toFixed(4));
    meter.setAttribute('aria-valuenow', level.toFixed(2));
    // Speech RMS sits around 0.05–0.3; scale so the bar moves visibly.
    this.#meterFill.style.transform = `scaleX(${Math.min(1, level * 4).toFixed(3)})`;
  }

  #renderAgentStatus(s: AgentStatus): void {
    this.#offline.hidden = !s.offline;
    const text = describeProviders(s.providers);
    this.#offline.setAttribute('data-providers', s.providers === null ? '' : JSON.stringify(s.providers));
    this.#tooltip.replaceChildren(...text.split('\n').flatMap((t, i) => (i === 0 ? [t] : [h('br'), t])));
  }
}
