import type { Character, CharacterVoice, KnowledgeDocument } from '../../protocol/index.ts';
import { ApiError } from './api.ts';
import {
  deleteKnowledge,
  download,
  exportCard,
  generateCharacter,
  cloneVoice,
  importCard,
  listKnowledge,
  previewVoice,
  removeAvatar,
  uploadAvatar,
  uploadKnowledge,
} from './api-characters.ts';
import type { CharacterFields } from './builder-form.ts';
import { field, h } from './dom.ts';

/** The builder's panels beside the form: each is a small element with its own status line. */

export const messageOf = (err: unknown): string =>
  err instanceof ApiError ? err.message : err instanceof Error ? err.message : 'Something went wrong.';

function statusLine(testId: string): HTMLElement {
  return h('p', { class: 'hint', role: 'status', 'data-testid': testId });
}

function fail(el: HTMLElement, err: unknown): void {
  el.className = 'error';
  el.textContent = messageOf(err);
}

function ok(el: HTMLElement, text: string): void {
  el.className = 'hint';
  el.textContent = text;
}

/** Runs `task` with `button` disabled and `working` in the status line, where a failure shows. */
function runBusy(
  button: HTMLButtonElement,
  status: HTMLElement,
  working: string,
  task: () => Promise<unknown>,
): void {
  button.disabled = true;
  ok(status, working);
  task()
    .catch((err: unknown) => fail(status, err))
    .finally(() => (button.disabled = false));
}

/** A builder panel: its heading, then its parts. */
function panel(title: string, ...children: HTMLElement[]): HTMLElement {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

/** A button that downloads what `fetch` gets as `filename` (an export); errors go to `onError`. */
export function downloadButton(
  testId: string,
  label: string,
  fetch: () => Promise<Blob>,
  filename: string,
  onError: (err: unknown) => void,
): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'button secondary', 'data-testid': testId }, label);
  b.addEventListener('click', () => {
    fetch()
      .then((blob) => download(blob, filename))
      .catch(onError);
  });
  return b;
}

/** Card import by drag-and-drop or file picker; calls `onImported` with the new character. */
export function importPanel(onImported: (c: Character, warnings: string[]) => void): HTMLElement {
  const status = statusLine('import-status');
  const input = h('input', {
    type: 'file',
    accept: '.png,.json,.charx,image/png,application/json',
    'data-testid': 'import-file',
    id: 'import-file',
    class: 'visually-hidden',
  });
  const zone = h(
    'div',
    { class: 'dropzone', 'data-testid': 'import-dropzone' },
    h('p', {}, 'Drop a character card here (PNG, JSON or .charx), or '),
    h('label', { for: 'import-file', class: 'button secondary' }, 'choose a file'),
    input,
  );
  const take = (file: File | undefined): void => {
    if (file === undefined) return;
    ok(status, `Importing ${file.name}…`);
    importCard(file)
      .then((r) => {
        ok(status, r.warnings.length === 0 ? 'Imported.' : `Imported, with notes: ${r.warnings.join('; ')}`);
        onImported(r.character, r.warnings);
      })
      .catch((err: unknown) => fail(status, err));
  };
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    take(e.dataTransfer?.files[0]);
  });
  input.addEventListener('change', () => take(input.files?.[0]));
  return panel('Import a card', zone, status);
}

/** "Generate from a description": fills the form through `onDraft`; nothing is saved. */
export function generatePanel(onDraft: (draft: CharacterFields) => void): HTMLElement {
  const status = statusLine('generate-status');
  const text = h('textarea', {
    id: 'generate-description',
    rows: 3,
    maxlength: 2000,
    placeholder: 'e.g. a retired lighthouse keeper who tells sea stories and loves crosswords',
    'data-testid': 'generate-description',
  });
  const button = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'generate' },
    'Generate',
  );
  button.addEventListener('click', () => {
    const description = text.value.trim();
    if (description.length < 3)
      return fail(status, new Error('Describe the character in a few words first.'));
    runBusy(button, status, 'Writing a draft…', () =>
      generateCharacter(description).then((r) => {
        onDraft(r.draft);
        const by = r.source === 'llm' ? 'the language model' : 'the offline generator';
        ok(
          status,
          `Draft by ${by}. Review it, then save.${r.notes.length ? ` (${r.notes.join('; ')})` : ''}`,
        );
      }),
    );
  });
  return panel(
    'Generate from a description',
    field('generate-description', 'Description', text),
    h('div', { class: 'controls' }, button),
    status,
  );
}

/** Plays a preview of the voice: the saved character's, or the form's while unsaved. */
export function voicePreviewPanel(
  target: () => { characterId: string } | { voice: CharacterVoice },
): HTMLElement {
  const status = statusLine('voice-preview-status');
  const text = h('input', {
    id: 'voice-preview-text',
    type: 'text',
    maxlength: 300,
    value: 'Hello! It is lovely to meet you.',
  });
  const audio = h('audio', { controls: true, 'data-testid': 'voice-preview-audio', hidden: true });
  const button = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'voice-preview' },
    'Preview voice',
  );
  button.addEventListener('click', () => {
    runBusy(button, status, 'Synthesising…', () =>
      previewVoice(target(), text.value.trim() || 'Hello!').then((wav) => {
        if (audio.src) URL.revokeObjectURL(audio.src);
        audio.src = URL.createObjectURL(wav);
        audio.hidden = false;
        ok(status, '');
        return audio.play().catch(() => undefined);
      }),
    );
  });
  return panel(
    'Voice preview',
    field('voice-preview-text', 'Say', text),
    h('div', { class: 'controls' }, button),
    audio,
    status,
  );
}

/** Avatar upload with a preview; `onChange` gets the new avatarUrl. */
export function avatarPanel(character: Character, onChange: (avatarUrl: string) => void): HTMLElement {
  const status = statusLine('avatar-status');
  const img = h('img', {
    class: 'avatar',
    src: character.avatarUrl,
    alt: `${character.name}'s avatar`,
    width: 128,
    height: 128,
    'data-testid': 'avatar-preview',
  });
  const input = h('input', {
    type: 'file',
    accept: 'image/png,image/jpeg,image/webp',
    id: 'avatar-file',
    'data-testid': 'avatar-file',
  });
  const remove = h('button', { type: 'button', class: 'link-button' }, 'Remove');
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file === undefined) return;
    const local = URL.createObjectURL(file);
    img.src = local;
    ok(status, 'Uploading…');
    uploadAvatar(character.id, file)
      .then((r) => {
        img.src = r.avatarUrl;
        URL.revokeObjectURL(local);
        ok(status, `Saved (${r.width}×${r.height}).`);
        onChange(r.avatarUrl);
      })
      .catch((err: unknown) => {
        img.src = character.avatarUrl;
        fail(status, err);
      });
  });
  remove.addEventListener('click', () => {
    removeAvatar(character.id)
      .then(() => ok(status, 'Removed. Reload to see the default.'))
      .catch((err: unknown) => fail(status, err));
  });
  return panel('Avatar', img, field('avatar-file', 'Upload PNG, JPEG or WebP', input), remove, status);
}

/** Knowledge documents: list, upload (text or Markdown), delete. */
export function knowledgePanel(characterId: string): HTMLElement {
  const status = statusLine('knowledge-status');
  const list = h('ul', { class: 'doc-list', 'data-testid': 'knowledge-list' });
  const input = h('input', {
    type: 'file',
    accept: '.txt,.md,.markdown,text/plain,text/markdown',
    id: 'knowledge-file',
    'data-testid': 'knowledge-file',
  });
  const row = (d: KnowledgeDocument): HTMLElement => {
    const del = h(
      'button',
      { type: 'button', class: 'link-button', 'aria-label': `Delete ${d.title}` },
      'Delete',
    );
    del.addEventListener('click', () => {
      deleteKnowledge(characterId, d.id)
        .then(refresh)
        .catch((err: unknown) => fail(status, err));
    });
    return h(
      'li',
      { 'data-testid': 'knowledge-doc' },
      h('span', {}, `${d.title} — ${d.chunkCount} passages`),
      del,
    );
  };
  const refresh = (): void => {
    listKnowledge(characterId)
      .then((k) => {
        list.replaceChildren(...k.documents.map(row));
        ok(
          status,
          k.lorebookEntries > 0
            ? `Plus ${k.lorebookEntries} lorebook entries from the card.`
            : k.documents.length === 0
              ? 'No documents yet.'
              : '',
        );
      })
      .catch((err: unknown) => fail(status, err));
  };
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file === undefined) return;
    ok(status, `Uploading ${file.name}…`);
    uploadKnowledge(characterId, file)
      .then(() => {
        input.value = '';
        refresh();
      })
      .catch((err: unknown) => fail(status, err));
  });
  refresh();
  return panel(
    'Knowledge',
    h('p', { class: 'hint' }, 'Documents the character can draw on in conversation.'),
    list,
    field('knowledge-file', 'Add a text or Markdown file', input),
    status,
  );
}

/** Card export buttons. */
export function exportPanel(character: Character): HTMLElement {
  const status = statusLine('export-status');
  const formats = [
    ['v2-png', 'V2 PNG card', 'png'],
    ['v2-json', 'V2 JSON', 'json'],
    ['v3-json', 'V3 JSON', 'json'],
  ] as const;
  const buttons = formats.map(([format, label, ext]) =>
    downloadButton(
      `export-${format}`,
      label,
      () => exportCard(character.id, format),
      `${character.id}.${format.startsWith('v3') ? 'v3.' : ''}${ext}`,
      (err) => fail(status, err),
    ),
  );
  return panel('Export', h('div', { class: 'controls' }, ...buttons), status);
}

/** Voice cloning from a few audio samples (needs ElevenLabs on the server). */
export function voiceClonePanel(character: Character, onCloned: (c: Character) => void): HTMLElement {
  const status = statusLine('voice-clone-status');
  const files = h('input', { type: 'file', multiple: true, accept: 'audio/*', id: 'voice-clone-files' });
  const name = h('input', { type: 'text', id: 'voice-clone-name', maxlength: 100, value: character.name });
  const button = h('button', { type: 'button', class: 'button secondary' }, 'Clone voice');
  button.addEventListener('click', () => {
    const picked = [...(files.files ?? [])];
    if (picked.length === 0) return fail(status, new Error('Choose one or more audio samples first.'));
    runBusy(button, status, 'Uploading samples…', () =>
      cloneVoice(character.id, picked, name.value.trim() || character.name).then((r) => {
        ok(status, `Cloned: the character now speaks with ElevenLabs voice ${r.voiceId}.`);
        onCloned(r.character);
      }),
    );
  });
  return panel(
    'Clone a voice',
    field('voice-clone-files', 'Audio samples', files),
    field('voice-clone-name', 'Voice name', name),
    h('div', { class: 'controls' }, button),
    status,
  );
}
