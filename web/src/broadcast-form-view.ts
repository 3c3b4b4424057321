import type { Character } from '../../protocol/index.ts';
import { field, h } from './dom.ts';
import { broadcastCastLimits, maxDestinations, secretFieldView, toggleCastMember } from './broadcast-form.ts';
import type { BroadcastFormValues, DestinationValues } from './broadcast-form.ts';

export interface BroadcastFormView {
  element: HTMLFormElement;
  /** The values the inputs hold now. */
  values(): BroadcastFormValues;
  /** Redraws from `values` (after a save: every secret input is empty again). */
  reset(values: BroadcastFormValues): void;
  setDisabled(disabled: boolean): void;
  showProblems(problems: string[]): void;
}

/**
 * A write-only secret: a password input that is never filled from the server, with "Key set" and
 * "Replace key" when one is stored. `read` gives what was typed ('' keeps the stored secret).
 */
function secretInput(
  testId: string,
  label: string,
  isSet: boolean,
): { element: HTMLElement; read: () => string } {
  let replacing = false;
  const input = h('input', {
    type: 'password',
    autocomplete: 'new-password',
    spellcheck: 'false',
    'data-testid': testId,
  });
  const status = h('span', { class: 'hint', 'data-testid': `${testId}-state` });
  const replace = h(
    'button',
    { type: 'button', class: 'link-button', 'data-testid': `${testId}-replace` },
    'Replace key',
  );
  const draw = (): void => {
    const view = secretFieldView(isSet, replacing);
    input.hidden = !view.showInput;
    status.textContent = view.status;
    replace.hidden = !view.canReplace;
  };
  replace.addEventListener('click', () => {
    replacing = true;
    draw();
    input.focus();
  });
  draw();
  const element = field(`${testId}-input`, label, input, status, replace);
  return { element, read: () => (input.hidden ? '' : input.value) };
}

const number = (id: string, value: number, min: number, max: number): HTMLInputElement =>
  h('input', { type: 'number', min, max, step: 1, value, 'data-testid': id, required: true });

/** The broadcast's settings form; the page decides what Save does with its values. */
export function broadcastFormView(
  characters: Character[],
  initial: BroadcastFormValues,
  onSubmit: (values: BroadcastFormValues) => void,
): BroadcastFormView {
  const form = h('form', { class: 'broadcast-form', 'data-testid': 'broadcast-form', novalidate: true });
  const problems = h('ul', { class: 'error', 'data-testid': 'broadcast-problem', role: 'alert' });
  let read: () => BroadcastFormValues = () => initial;

  const draw = (v: BroadcastFormValues): void => {
    let cast = [...v.characterIds];
    const title = h('input', {
      type: 'text',
      maxlength: 120,
      value: v.title,
      required: true,
      'data-testid': 'broadcast-title',
    });
    const castCount = h('p', { class: 'hint', 'data-testid': 'broadcast-cast-count' });
    const countCast = (): void => {
      castCount.textContent = `${cast.length} chosen (${broadcastCastLimits.min}–${broadcastCastLimits.max}).`;
    };
    const picks = characters.map((c) => {
      const box = h('input', {
        type: 'checkbox',
        'data-testid': `broadcast-pick-${c.id}`,
        checked: cast.includes(c.id),
      });
      box.addEventListener('change', () => {
        cast = toggleCastMember(cast, c.id, box.checked);
        box.checked = cast.includes(c.id);
        countCast();
      });
      return h(
        'label',
        { class: 'broadcast-pick' },
        box,
        h('img', { src: c.avatarUrl, alt: '', width: 32, height: 32 }),
        c.name,
      );
    });
    countCast();

    const channel = h('input', {
      type: 'text',
      value: v.channel,
      maxlength: 25,
      'data-testid': 'broadcast-channel',
      required: true,
    });
    const ingest = h('input', { type: 'url', value: v.ingestUrl, 'data-testid': 'broadcast-ingest' });
    const streamKey = secretInput('broadcast-key', 'Stream key', v.streamKeySet);
    const chatToken = secretInput('broadcast-chat-token', 'Chat OAuth token (optional)', v.chatTokenSet);

    const destList = h('ol', { class: 'broadcast-destinations', 'data-testid': 'broadcast-destinations' });
    const destReaders: Array<() => DestinationValues | null> = [];
    const addDestination = (d: DestinationValues): void => {
      const i = destReaders.length;
      const name = h('input', {
        type: 'text',
        value: d.name,
        maxlength: 60,
        'data-testid': `broadcast-dest-name-${i}`,
      });
      const url = h('input', { type: 'url', value: d.url, 'data-testid': `broadcast-dest-url-${i}` });
      const key = secretInput(`broadcast-dest-key-${i}`, 'Stream key', d.keySet);
      const remove = h(
        'button',
        { type: 'button', class: 'link-button', 'data-testid': `broadcast-dest-remove-${i}` },
        'Remove',
      );
      const row = h(
        'li',
        { 'data-testid': 'broadcast-destination' },
        field(`bd-name-${i}`, 'Name', name),
        field(`bd-url-${i}`, 'RTMP URL', url),
        key.element,
        remove,
      );
      let removed = false;
      remove.addEventListener('click', () => {
        removed = true;
        row.remove();
      });
      destReaders.push(() =>
        removed
          ? null
          : {
              ...(d.id === undefined ? {} : { id: d.id }),
              name: name.value,
              url: url.value,
              streamKey: key.read(),
              keySet: d.keySet,
            },
      );
      destList.append(row);
    };
    for (const d of v.destinations) addDestination(d);
    const addDest = h(
      'button',
      { type: 'button', class: 'secondary', 'data-testid': 'broadcast-destination-add' },
      'Add destination',
    );
    addDest.addEventListener('click', () => {
      if (destList.children.length < maxDestinations)
        addDestination({ name: '', url: '', streamKey: '', keySet: false });
    });

    const autoEnabled = h('input', {
      type: 'checkbox',
      checked: v.autonomousEnabled,
      'data-testid': 'broadcast-auto-enabled',
    });
    const idle = number('broadcast-auto-idle', v.idleAfterS, 1, 600);
    const cadence = number('broadcast-auto-cadence', v.cadenceS, 5, 3600);
    const agenda = h('textarea', { rows: 4, 'data-testid': 'broadcast-auto-agenda' }, v.agenda);
    const output = h(
      'select',
      { 'data-testid': 'broadcast-output' },
      ...(['auto', 'egress', 'builtin'] as const).map((o) =>
        h(
          'option',
          { value: o, selected: o === v.output },
          o === 'auto'
            ? 'Automatic (egress when configured)'
            : o === 'egress'
              ? 'LiveKit Egress'
              : 'Built-in (ffmpeg)',
        ),
      ),
    );
    const save = h('button', { type: 'submit', 'data-testid': 'broadcast-save' }, 'Save');

    form.replaceChildren(
      field('broadcast-title-input', 'Title', title),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Characters'),
        h('div', { class: 'broadcast-picks' }, ...picks),
        castCount,
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Twitch'),
        field('broadcast-channel-input', 'Channel', channel),
        field('broadcast-ingest-input', 'Ingest URL', ingest),
        streamKey.element,
        chatToken.element,
      ),
      h('fieldset', {}, h('legend', {}, 'Extra destinations'), destList, addDest),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Autonomous talk'),
        h('label', { class: 'check' }, autoEnabled, ' Characters fill idle time on their own'),
        field('broadcast-auto-idle-input', 'Idle before starting (s)', idle),
        field('broadcast-auto-cadence-input', 'At most one turn every (s)', cadence),
        field('broadcast-auto-agenda-input', 'Agenda (one topic a line)', agenda),
      ),
      field('broadcast-output-input', 'Output', output),
      problems,
      save,
    );
    read = () => ({
      title: title.value,
      characterIds: [...cast],
      channel: channel.value,
      ingestUrl: ingest.value,
      streamKey: streamKey.read(),
      streamKeySet: v.streamKeySet,
      chatToken: chatToken.read(),
      chatTokenSet: v.chatTokenSet,
      destinations: destReaders.map((r) => r()).filter((d): d is DestinationValues => d !== null),
      autonomousEnabled: autoEnabled.checked,
      idleAfterS: Number(idle.value),
      cadenceS: Number(cadence.value),
      agenda: agenda.value,
      output: output.value as BroadcastFormValues['output'],
    });
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    onSubmit(read());
  });
  draw(initial);
  return {
    element: form,
    values: () => read(),
    reset: (values) => {
      problems.replaceChildren();
      draw(values);
    },
    setDisabled: (disabled) => {
      for (const el of form.querySelectorAll<
        HTMLInputElement | HTMLButtonElement | HTMLSelectElement | HTMLTextAreaElement
      >('input, button, select, textarea'))
        el.disabled = disabled;
    },
    showProblems: (list) => problems.replaceChildren(...list.map((p) => h('li', {}, p))),
  };
}
