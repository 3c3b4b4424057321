/** A tiny element builder: enough for a handful of views without a framework. */

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** Sets or removes a boolean-ish data attribute written as "true"/"false". */
export function setFlag(el: HTMLElement, name: string, on: boolean): void {
  el.setAttribute(`data-${name}`, on ? 'true' : 'false');
}

/** Calls `fn` once calls have stopped for `ms`; `cancel` drops a pending call. */
export function debounce<A extends unknown[]>(
  fn: (...args: A) => void,
  ms: number,
): ((...args: A) => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (...args: A): void => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  return Object.assign(run, { cancel: () => clearTimeout(timer) });
}

/** A `<label>` + control pair in the form's `.field` layout. */
export function field(
  id: string,
  label: string,
  control: HTMLElement,
  ...extra: Array<Node | null>
): HTMLElement {
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, ...extra);
}

/** Sets an element's text only when it differs, so an unchanged line is not rewritten. */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * Turns a page's loading line into the page's error: an alert with `data-testid="error"`.
 * @param className the line's class as an error (`'error'` where the page has no status style).
 */
export function showPageError(status: HTMLElement, message: string, className = 'status error'): void {
  status.className = className;
  status.setAttribute('role', 'alert');
  status.setAttribute('data-testid', 'error');
  status.replaceChildren(message);
}
