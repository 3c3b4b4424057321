import { h } from './dom.ts';

/** The "Your name" input the call pages share; `attrs` adds the page's id, test id and hints. */
export function displayNameInput(id: string, attrs: Record<string, string | boolean> = {}): HTMLInputElement {
  return h('input', { id, type: 'text', maxlength: 60, autocomplete: 'nickname', ...attrs });
}

const displayNameKey = 'troupe.displayName';

/** The name the caller last gave, or '' (storage may be refused). */
export function readDisplayName(): string {
  try {
    return localStorage.getItem(displayNameKey) ?? '';
  } catch {
    return '';
  }
}

export function saveDisplayName(name: string): void {
  try {
    if (name === '') localStorage.removeItem(displayNameKey);
    else localStorage.setItem(displayNameKey, name);
  } catch {
    // Private windows may refuse storage; the name then lasts for this call only.
  }
}
