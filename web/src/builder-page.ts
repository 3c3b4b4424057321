import type { Character } from '../../protocol/index.ts';
import { ApiError } from './api.ts';
import {
  cloneCharacter,
  createCharacter,
  deleteCharacter,
  getCharacter,
  updateCharacter,
} from './api-characters.ts';
import { currentAuth } from './auth.ts';
import {
  avatarPanel,
  exportPanel,
  generatePanel,
  importPanel,
  knowledgePanel,
  messageOf,
  voiceClonePanel,
  voicePreviewPanel,
} from './builder-extras.ts';
import { BuilderFields } from './builder-fields.ts';
import {
  sameVoice,
  serverFieldErrors,
  toBuilderValues,
  toCharacterRequest,
  validateBuilder,
} from './builder-form.ts';
import { h, showPageError } from './dom.ts';
import { libraryImportPanel } from './library-import-view.ts';
import { hrefFor, pathOf } from './router.ts';

/**
 * The character builder: `#/build` makes a new character, `#/build/<id>` edits one of the
 * account's own. Loaded on demand, because it carries zod (the form validates with the contract).
 */
export function renderBuilderPage(root: HTMLElement, characterId: string | undefined): () => void {
  const controller = new AbortController();
  const auth = currentAuth();
  if (auth === null) {
    window.location.hash = hrefFor({
      name: 'signin',
      next: pathOf({ name: 'build', ...(characterId ? { characterId } : {}) }),
    });
    return () => undefined;
  }
  const status = h('p', { class: 'status', role: 'status' }, 'Loading…');
  root.replaceChildren(h('section', { class: 'builder' }, status));
  if (characterId === undefined) {
    mount(root, undefined, controller.signal);
  } else {
    getCharacter(characterId)
      .then((c) => {
        if (controller.signal.aborted) return;
        const editable = c.ownerId === auth.user.id || (auth.user.role === 'operator' && !c.builtIn);
        if (editable) mount(root, c, controller.signal);
        else readOnly(root, c);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        showPageError(status, messageOf(err), 'error');
      });
  }
  return () => controller.abort();
}

/** Someone else's character: it can be cloned, not edited. */
function readOnly(root: HTMLElement, c: Character): void {
  const clone = h(
    'button',
    { type: 'button', class: 'button primary', 'data-testid': 'clone-character' },
    'Clone to edit',
  );
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  clone.addEventListener('click', () => {
    cloneCharacter(c.id)
      .then((copy) => (window.location.hash = hrefFor({ name: 'build', characterId: copy.id })))
      .catch((err: unknown) => {
        error.hidden = false;
        error.textContent = messageOf(err);
      });
  });
  root.replaceChildren(
    h(
      'section',
      { class: 'builder', 'data-testid': 'builder-page' },
      h('a', { class: 'back', href: hrefFor({ name: 'catalog' }) }, '← All companions'),
      h('h1', {}, c.name),
      h('p', { class: 'lede' }, `${c.name} is not yours to edit. Clone it to make your own version.`),
      h('div', { class: 'controls' }, clone),
      error,
    ),
  );
}

function mount(root: HTMLElement, character: Character | undefined, signal: AbortSignal): void {
  const fields = new BuilderFields();
  fields.write(toBuilderValues(character));
  const formError = h('p', { class: 'error', role: 'alert', 'data-testid': 'builder-error', hidden: true });
  const saved = h('p', { class: 'hint', role: 'status', 'data-testid': 'builder-status' });
  const save = h(
    'button',
    { type: 'submit', class: 'button primary', 'data-testid': 'builder-save' },
    character ? 'Save changes' : 'Create character',
  );
  const form = h(
    'form',
    { class: 'builder-form', 'data-testid': 'builder-form', novalidate: true, 'aria-label': 'Character' },
    fields.element,
    formError,
    h('div', { class: 'controls sticky' }, save, saved),
  );

  const side: HTMLElement[] = [];
  if (character === undefined) {
    side.push(
      generatePanel((draft) => {
        fields.write(toBuilderValues(draft));
        fields.showErrors(validateBuilder(fields.read()));
      }),
      importPanel((c) => (window.location.hash = hrefFor({ name: 'build', characterId: c.id }))),
      libraryImportPanel(signal),
    );
  } else {
    side.push(avatarPanel(character, (url) => fields.setAvatarUrl(url)));
  }
  // A saved character's own preview while its voice is unchanged; the form's voice otherwise.
  side.push(
    voicePreviewPanel(() => {
      const voice = toCharacterRequest(fields.read()).voice;
      return character && sameVoice(voice, character.voice) ? { characterId: character.id } : { voice };
    }),
  );
  if (character !== undefined) {
    side.push(
      voiceClonePanel(character, (c) =>
        fields.write(toBuilderValues({ ...c, ...toCharacterRequest(fields.read()), voice: c.voice })),
      ),
      knowledgePanel(character.id),
      exportPanel(character),
      dangerPanel(character),
    );
  }

  root.replaceChildren(
    h(
      'section',
      { class: 'builder', 'data-testid': 'builder-page', 'data-character-id': character?.id ?? '' },
      h('a', { class: 'back', href: hrefFor({ name: 'catalog' }) }, '← All companions'),
      h(
        'div',
        { class: 'page-head' },
        h('h1', {}, character ? `Edit ${character.name}` : 'New character'),
        character
          ? h(
              'a',
              { class: 'button secondary', href: hrefFor({ name: 'call', characterId: character.id }) },
              'Call',
            )
          : null,
      ),
      h('div', { class: 'builder-grid' }, form, h('aside', { class: 'builder-side' }, ...side)),
    ),
  );

  let busy = false;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (busy) return;
    saved.textContent = '';
    formError.hidden = true;
    const values = fields.read();
    const errors = validateBuilder(values);
    const first = fields.showErrors(errors);
    if (first !== null || errors[''] !== undefined) {
      first?.focus();
      formError.hidden = errors[''] === undefined;
      formError.textContent = errors[''] ?? '';
      saved.textContent = 'Fix the marked fields, then save again.';
      return;
    }
    const body = toCharacterRequest(values);
    busy = true;
    save.disabled = true;
    const saving = character ? updateCharacter(character.id, body) : createCharacter(body);
    saving
      .then((c) => {
        if (signal.aborted) return;
        saved.textContent = `Saved ${new Date().toLocaleTimeString()}.`;
        saved.setAttribute('data-saved-id', c.id);
        if (character === undefined) window.location.hash = hrefFor({ name: 'build', characterId: c.id });
      })
      .catch((err: unknown) => {
        if (signal.aborted) return;
        const server = err instanceof ApiError ? serverFieldErrors(err.details) : {};
        const firstServer = fields.showErrors(server);
        firstServer?.focus();
        formError.hidden = false;
        formError.setAttribute('data-error-code', err instanceof ApiError ? err.code : 'client');
        formError.textContent = server[''] ?? messageOf(err);
      })
      .finally(() => {
        busy = false;
        save.disabled = false;
      });
  });
}

function dangerPanel(character: Character): HTMLElement {
  const del = h(
    'button',
    { type: 'button', class: 'button danger', 'data-testid': 'delete-character' },
    'Delete character',
  );
  const status = h('p', { class: 'hint', role: 'status' });
  del.addEventListener('click', () => {
    if (!window.confirm(`Delete ${character.name}? This cannot be undone.`)) return;
    deleteCharacter(character.id)
      .then(() => (window.location.hash = hrefFor({ name: 'catalog' })))
      .catch((err: unknown) => {
        status.className = 'error';
        status.textContent = messageOf(err);
      });
  });
  return h('section', { class: 'panel' }, h('h2', {}, 'Delete'), del, status);
}
