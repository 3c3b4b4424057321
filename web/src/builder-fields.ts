import type { BuilderField, BuilderValues, FieldErrors } from './builder-form.ts';
import { h } from './dom.ts';

/** How one form field is drawn. */
interface FieldSpec {
  key: BuilderField;
  label: string;
  kind: 'text' | 'textarea' | 'number' | 'select' | 'range';
  hint?: string;
  rows?: number;
  options?: Array<[string, string]>;
  min?: number;
  max?: number;
  step?: number;
}

/** The form's sections, in order; every field of the create/update contract appears once. */
export const builderSections: Array<{ title: string; fields: FieldSpec[] }> = [
  {
    title: 'Basics',
    fields: [
      { key: 'name', label: 'Name', kind: 'text' },
      { key: 'tagline', label: 'Tagline', kind: 'text', hint: 'One line for the catalog.' },
      { key: 'tags', label: 'Tags', kind: 'text', hint: 'Comma-separated, e.g. cozy, mystery.' },
      {
        key: 'visibility',
        label: 'Visibility',
        kind: 'select',
        options: [
          ['private', 'Private: only you'],
          ['public', 'Shared: everyone can call it'],
        ],
      },
    ],
  },
  {
    title: 'Persona',
    fields: [
      {
        key: 'persona.background',
        label: 'Who they are',
        kind: 'textarea',
        rows: 3,
        hint: 'The system prompt’s core: a sentence or two.',
      },
      { key: 'persona.traits', label: 'Traits', kind: 'text', hint: 'Comma-separated, at least one.' },
      { key: 'persona.interests', label: 'Interests', kind: 'text', hint: 'Comma-separated, at least one.' },
      { key: 'persona.tone', label: 'Tone', kind: 'text', hint: 'e.g. warm and teasing.' },
      {
        key: 'persona.speakingStyle',
        label: 'Speaking style',
        kind: 'textarea',
        rows: 2,
        hint: 'Sentence length, habits, verbal tics.',
      },
      {
        key: 'description',
        label: 'Long description',
        kind: 'textarea',
        rows: 5,
        hint: 'Optional; what a character card calls the description.',
      },
    ],
  },
  {
    title: 'Conversation',
    fields: [
      { key: 'greeting', label: 'Greeting', kind: 'textarea', rows: 2 },
      {
        key: 'alternateGreetings',
        label: 'Alternate greetings',
        kind: 'textarea',
        rows: 3,
        hint: 'One per line.',
      },
      { key: 'exampleDialogue', label: 'Example dialogue', kind: 'textarea', rows: 5 },
      { key: 'talkativeness', label: 'Talkativeness in groups', kind: 'range', min: 0, max: 1, step: 0.05 },
    ],
  },
  {
    title: 'Voice',
    fields: [
      { key: 'voice.openai.voice', label: 'OpenAI voice', kind: 'text', hint: 'e.g. alloy, nova, shimmer.' },
      {
        key: 'voice.openai.speed',
        label: 'OpenAI speed',
        kind: 'text',
        hint: 'Optional, 0.25–4 (1 is normal).',
      },
      { key: 'voice.elevenlabs.voiceId', label: 'ElevenLabs voice id', kind: 'text' },
      {
        key: 'voice.elevenlabs.stability',
        label: 'ElevenLabs stability',
        kind: 'text',
        hint: 'Optional, 0–1: higher is steadier, lower more expressive.',
      },
      {
        key: 'voice.elevenlabs.similarity',
        label: 'ElevenLabs similarity',
        kind: 'text',
        hint: 'Optional, 0–1: how closely to keep to the original voice.',
      },
      { key: 'voice.elevenlabs.speed', label: 'ElevenLabs speed', kind: 'text', hint: 'Optional, 0.7–1.2.' },
      {
        key: 'voice.espeak.voice',
        label: 'espeak-ng voice',
        kind: 'text',
        hint: 'e.g. en-us, en-gb-scotland.',
      },
      {
        key: 'voice.espeak.variant',
        label: 'espeak-ng variant',
        kind: 'text',
        hint: 'Optional, e.g. f3, m1, klatt2.',
      },
      {
        key: 'voice.espeak.rate',
        label: 'Speed (words per minute)',
        kind: 'number',
        min: 80,
        max: 450,
        step: 5,
      },
      { key: 'voice.espeak.pitch', label: 'Pitch (0–99)', kind: 'number', min: 0, max: 99, step: 1 },
    ],
  },
];

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** `persona.tone` → `builder-persona-tone`: ids and test ids for a field. */
export const fieldId = (key: string): string => `builder-${key.replace(/\./g, '-')}`;

/** The builder's inputs: drawn from builderSections, read and written as BuilderValues. */
export class BuilderFields {
  readonly element: HTMLElement;
  readonly #controls = new Map<BuilderField, Control>();
  readonly #errors = new Map<BuilderField, HTMLElement>();
  readonly #talkativeOut = h('output', { class: 'range-value' });

  constructor() {
    this.element = h(
      'div',
      { class: 'builder-fields' },
      ...builderSections.map((section) =>
        h(
          'fieldset',
          { class: 'builder-section' },
          h('legend', {}, section.title),
          ...section.fields.map((f) => this.#field(f)),
        ),
      ),
    );
  }

  #field(f: FieldSpec): HTMLElement {
    const id = fieldId(f.key);
    const common = { id, name: f.key, 'data-testid': id, 'aria-describedby': `${id}-error` };
    let control: Control;
    if (f.kind === 'textarea') control = h('textarea', { ...common, rows: f.rows ?? 3 });
    else if (f.kind === 'select')
      control = h(
        'select',
        common,
        ...(f.options ?? []).map(([v, label]) => h('option', { value: v }, label)),
      );
    else
      control = h('input', {
        ...common,
        type: f.kind === 'number' ? 'number' : f.kind === 'range' ? 'range' : 'text',
        min: f.min,
        max: f.max,
        step: f.step,
      });
    this.#controls.set(f.key, control);
    const error = h('small', {
      class: 'field-error',
      id: `${id}-error`,
      'data-testid': `${id}-error`,
      hidden: true,
    });
    this.#errors.set(f.key, error);
    if (f.kind === 'range') control.addEventListener('input', () => this.#showTalkative());
    return h(
      'div',
      { class: `field${f.kind === 'textarea' ? ' wide' : ''}` },
      h('label', { for: id }, f.label),
      control,
      f.kind === 'range' ? this.#talkativeOut : null,
      f.hint === undefined ? null : h('small', { class: 'hint' }, f.hint),
      error,
    );
  }

  #showTalkative(): void {
    const v = Number(this.#controls.get('talkativeness')?.value ?? 0.5);
    this.#talkativeOut.textContent = `${Math.round(v * 100)}%`;
  }

  read(): BuilderValues {
    const get = (k: BuilderField): string => this.#controls.get(k)?.value ?? '';
    const out: Record<string, string | number> = {};
    for (const k of this.#controls.keys()) out[k] = get(k);
    out.talkativeness = Number(get('talkativeness'));
    out.avatarUrl = this.#avatarUrl;
    return out as unknown as BuilderValues;
  }

  #avatarUrl = '';

  write(v: BuilderValues): void {
    for (const [k, control] of this.#controls) control.value = String(v[k]);
    this.#avatarUrl = v.avatarUrl;
    this.#showTalkative();
  }

  /** Keeps the avatar the form will save, which no input shows. */
  setAvatarUrl(url: string): void {
    this.#avatarUrl = url;
  }

  /** Shows each field's message and clears the others; returns the first field with one. */
  showErrors(errors: FieldErrors): Control | null {
    let first: Control | null = null;
    for (const [k, el] of this.#errors) {
      const message = errors[k];
      el.hidden = message === undefined;
      el.textContent = message ?? '';
      const control = this.#controls.get(k);
      if (control === undefined) continue;
      if (message === undefined) control.removeAttribute('aria-invalid');
      else {
        control.setAttribute('aria-invalid', 'true');
        first ??= control;
      }
    }
    return first;
  }

  setDisabled(disabled: boolean): void {
    for (const c of this.#controls.values()) c.disabled = disabled;
  }
}
