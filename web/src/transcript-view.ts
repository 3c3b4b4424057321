import { h, setFlag } from './dom.ts';
import { visibleLines } from './transcript.ts';
import type { TranscriptLine, TranscriptState } from './transcript.ts';

/**
 * The transcript panel's list. Each segment keeps its element across updates, so an interim line
 * turning final changes in place and screen readers are not handed the whole log again.
 */
export class TranscriptView {
  readonly element: HTMLElement;
  readonly #list: HTMLOListElement;
  readonly #empty: HTMLElement;
  readonly #els = new Map<string, HTMLLIElement>();

  constructor(labelledBy: string) {
    this.#list = h('ol', { class: 'transcript', 'data-testid': 'transcript' });
    this.#empty = h('p', { class: 'empty' }, 'What you and the companion say will appear here.');
    this.element = h(
      'div',
      { class: 'transcript-scroll', role: 'log', 'aria-labelledby': labelledBy },
      this.#list,
      this.#empty,
    );
  }

  update(state: TranscriptState): void {
    const scroller = this.element;
    const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
    const visible = visibleLines(state);
    const els = visible.map((l) => this.#line(l));
    const children = this.#list.children;
    if (els.length !== children.length || els.some((el, i) => children[i] !== el)) {
      this.#list.replaceChildren(...els);
    }
    const known = new Set(state.lines.map((l) => l.segmentId));
    for (const id of this.#els.keys()) if (!known.has(id)) this.#els.delete(id);
    this.#empty.hidden = visible.length > 0;
    if (nearBottom) scroller.scrollTop = scroller.scrollHeight;
  }

  #line(line: TranscriptLine): HTMLLIElement {
    let el = this.#els.get(line.segmentId);
    if (el === undefined) {
      el = h(
        'li',
        { 'data-testid': 'transcript-line', 'data-segment-id': line.segmentId },
        h('span', { class: 'speaker' }),
        h('span', { class: 'text' }),
      );
      this.#els.set(line.segmentId, el);
    }
    el.className = `line ${line.role}${line.final ? '' : ' interim'}`;
    el.setAttribute('data-role', line.role);
    el.setAttribute('data-speaker', line.speakerIdentity);
    setFlag(el, 'final', line.final);
    const [speakerEl, textEl] = el.children;
    if (speakerEl && speakerEl.textContent !== line.speakerName) speakerEl.textContent = line.speakerName;
    if (textEl && textEl.textContent !== line.text) textEl.textContent = line.text;
    return el;
  }
}

/** A call page's transcript panel: its heading (`titleId`) and the list. */
export function transcriptPanel(titleId: string): { element: HTMLElement; view: TranscriptView } {
  const view = new TranscriptView(titleId);
  const element = h(
    'section',
    { class: 'transcript-panel', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, 'Transcript'),
    view.element,
  );
  return { element, view };
}
