import type { Character } from '../../protocol/index.ts';
import { ApiError, listCharacters } from './api.ts';
import { getSession } from './api-sessions.ts';
import { currentAuth } from './auth.ts';
import { displayNameInput } from './display-name.ts';
import { field, h, showPageError } from './dom.ts';
import { mountGroupCall } from './group-call.ts';
import type { GroupCallOptions } from './group-call.ts';
import {
  chainLimits,
  defaultGroupSetup,
  groupCastLimits,
  groupRequest,
  pickupLimitsInS,
  setupProblem,
  toggleCharacter,
} from './group-setup.ts';
import type { GroupRequestBody, GroupSetup } from './group-setup.ts';
import type { CastMember } from './group-state.ts';
import { hrefFor, pathOf } from './router.ts';
import type { Route } from './router.ts';

/**
 * `#/group`: choose 2–6 characters and a few floor rules, then the call; `#/group/<sessionId>`:
 * back into one's own call in progress (after a reload), with a fresh room token.
 */
export function renderGroupPage(root: HTMLElement, sessionId?: string): () => void {
  const controller = new AbortController();
  const status = h('p', { class: 'status', role: 'status' }, 'Loading…');
  root.replaceChildren(h('section', { class: 'group-setup' }, status));
  const here: Route = sessionId === undefined ? { name: 'group' } : { name: 'group', sessionId };
  const signIn = (): void => {
    window.location.hash = hrefFor({ name: 'signin', next: pathOf(here) });
  };
  let inner: () => void = () => undefined;
  controller.signal.addEventListener('abort', () => inner(), { once: true });
  const fail = (err: unknown): void => {
    if (controller.signal.aborted) return;
    if (err instanceof ApiError && err.status === 401) return signIn();
    showPageError(status, err instanceof Error ? err.message : 'Something went wrong.');
  };
  const callOptions = (again: GroupRequestBody): GroupCallOptions => ({
    autoStart: false,
    again,
    // Recorded without a hashchange, which would re-render the page and leave the call.
    onSession: (id) => history.replaceState(null, '', hrefFor({ name: 'group', sessionId: id })),
    onSignInNeeded: signIn,
  });

  if (sessionId === undefined) {
    void listCharacters()
      .then((characters) => {
        if (!controller.signal.aborted) inner = mountSetup(root, characters, callOptions, signIn);
      })
      .catch(fail);
  } else if (currentAuth() === null) {
    signIn();
  } else {
    void Promise.all([getSession(sessionId), listCharacters()])
      .then(([detail, characters]) => {
        if (controller.signal.aborted) return;
        if (detail.status === 'ended' || detail.mode !== 'group') {
          status.replaceChildren(
            detail.mode === 'group' ? 'This group call has ended. ' : 'This is not a group call. ',
            h('a', { href: hrefFor({ name: 'session', sessionId }) }, 'See its transcript'),
            ' or ',
            h('a', { href: hrefFor({ name: 'group' }) }, 'start a new one'),
            '.',
          );
          status.setAttribute('data-testid', 'group-ended');
          return;
        }
        const byId = new Map(characters.map((c) => [c.id, c]));
        const cast = (detail.characterIds ?? [detail.characterId]).flatMap((id) => {
          const c = byId.get(id);
          return c === undefined ? [] : [toCastMember(c)];
        });
        const again: GroupRequestBody = {
          mode: 'group',
          characterIds: cast.map((c) => c.id),
          settings: detail.settings ?? {},
        };
        inner = mountGroupCall(root, cast, { rejoin: sessionId }, callOptions(again));
      })
      .catch(fail);
  }
  return () => controller.abort();
}

function toCastMember(c: Character): CastMember {
  return { id: c.id, name: c.name, avatarUrl: c.avatarUrl };
}

function numberInput(testid: string, value: number, min: number, max: number): HTMLInputElement {
  return h('input', {
    type: 'number',
    'data-testid': testid,
    value,
    min,
    max,
    step: 1,
    inputmode: 'numeric',
  });
}

/** The set-up form; Start swaps it for the call view. */
function mountSetup(
  root: HTMLElement,
  characters: Character[],
  callOptions: (again: GroupRequestBody) => GroupCallOptions,
  signIn: () => void,
): () => void {
  let setup: GroupSetup = { ...defaultGroupSetup };
  let call: (() => void) | null = null;
  const boxes = new Map<string, HTMLInputElement>();
  const picks = h('ul', { class: 'group-picks', 'data-testid': 'group-picks' });
  for (const c of characters) {
    const box = h('input', { type: 'checkbox', value: c.id, 'data-testid': `group-pick-${c.id}` });
    boxes.set(c.id, box);
    picks.append(
      h(
        'li',
        {},
        h(
          'label',
          { class: 'group-pick' },
          box,
          h('img', { src: c.avatarUrl, alt: '', width: 40, height: 40 }),
          h('span', { class: 'pick-name' }, c.name),
          h('span', { class: 'pick-tagline' }, c.tagline),
        ),
      ),
    );
  }
  const chain = numberInput('group-chain', setup.chainCap, chainLimits.min, chainLimits.max);
  chain.id = 'group-chain';
  const pickup = h('input', { type: 'checkbox', id: 'group-pickup', 'data-testid': 'group-pickup' });
  const pickupAfter = numberInput(
    'group-pickup-after',
    setup.pickupAfterS,
    pickupLimitsInS.min,
    pickupLimitsInS.max,
  );
  pickupAfter.id = 'group-pickup-after';
  pickupAfter.disabled = true;
  const name = displayNameInput('group-name', { placeholder: 'Optional', 'data-testid': 'group-name' });
  const chosen = h('p', { class: 'hint', 'data-testid': 'group-chosen', 'aria-live': 'polite' });
  const problem = h('p', { class: 'hint', 'data-testid': 'group-problem' });
  const startBtn = h(
    'button',
    { type: 'submit', class: 'button primary', 'data-testid': 'group-start' },
    'Start',
  );
  const form = h(
    'form',
    { class: 'group-setup', 'data-testid': 'group-setup', novalidate: true },
    h('h1', {}, 'Group call'),
    h(
      'p',
      { class: 'lede' },
      `Choose ${groupCastLimits.min} to ${groupCastLimits.max} characters. Name one to ask them; they answer each other too.`,
    ),
    h('fieldset', {}, h('legend', {}, 'Characters'), picks, chosen),
    h(
      'fieldset',
      { class: 'group-rules' },
      h('legend', {}, 'Floor rules'),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'group-chain' }, 'Chain length (characters answering each other in a row)'),
        chain,
      ),
      h(
        'div',
        { class: 'field inline' },
        pickup,
        h('label', { for: 'group-pickup' }, 'Pick up after a silence'),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'group-pickup-after' }, 'Seconds of silence'),
        pickupAfter,
      ),
    ),
    field('group-name', 'Your name', name),
    h('div', { class: 'controls' }, startBtn),
    problem,
  );
  root.replaceChildren(form);

  const read = (): void => {
    setup = {
      ...setup,
      chainCap: chain.valueAsNumber,
      pickup: pickup.checked,
      pickupAfterS: pickupAfter.valueAsNumber,
      displayName: name.value,
    };
    pickupAfter.disabled = !pickup.checked;
    const byId = new Map(characters.map((c) => [c.id, c.name]));
    chosen.textContent =
      setup.characterIds.length === 0
        ? 'None chosen yet.'
        : `Cast, in order: ${setup.characterIds.map((id) => byId.get(id) ?? id).join(', ')}`;
    for (const [id, box] of boxes)
      box.disabled =
        !box.checked && setup.characterIds.length >= groupCastLimits.max && !setup.characterIds.includes(id);
    const p = setupProblem(setup);
    problem.textContent = p ?? '';
    startBtn.setAttribute('aria-disabled', String(p !== null));
  };
  picks.addEventListener('change', (e) => {
    const box = e.target;
    if (!(box instanceof HTMLInputElement)) return;
    setup = { ...setup, characterIds: toggleCharacter(setup.characterIds, box.value, box.checked) };
    box.checked = setup.characterIds.includes(box.value);
    read();
  });
  form.addEventListener('input', read);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    read();
    if (setupProblem(setup) !== null) return;
    if (currentAuth() === null) return signIn();
    const body = groupRequest(setup);
    const byId = new Map(characters.map((c) => [c.id, c]));
    const cast = setup.characterIds.flatMap((id) => {
      const c = byId.get(id);
      return c === undefined ? [] : [toCastMember(c)];
    });
    // Started inside the submit handler: the click unlocks audio playback and the microphone prompt.
    call = mountGroupCall(root, cast, { create: body }, { ...callOptions(body), autoStart: true });
  });
  read();
  return () => call?.();
}
