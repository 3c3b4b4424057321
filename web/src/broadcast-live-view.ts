import type { ControlMessage, ModerationAction, StageTransition } from '../../protocol/index.ts';
import { h } from './dom.ts';
import type { StageState } from './stage-state.ts';

export interface LiveViewOptions {
  /** Sends a control message to the job; rejects when the room is not connected. */
  send(message: ControlMessage): Promise<void>;
  /** Cast names for the switch buttons before the room has told its own. */
  castNames: ReadonlyArray<{ id: string; name: string }>;
  autonomousEnabled: boolean;
}

export interface LiveView {
  element: HTMLElement;
  /** Redraws the spotlight and the chat feed from the room's stage state. */
  update(state: StageState): void;
  setConnection(state: string): void;
}

const moderationLabels: Record<ModerationAction, string> = {
  delete: 'Delete',
  timeout: 'Timeout',
  ban: 'Ban',
};

/**
 * The on-air half of the control page: the room connection, the autonomous toggle, character
 * switching with a transition, a topic for the characters, and the chat feed with moderation
 * buttons. Every action is a control message (protocol/broadcast-control.ts).
 */
export function liveView(opts: LiveViewOptions): LiveView {
  const feedback = h('p', { class: 'hint', role: 'status', 'data-testid': 'broadcast-control-feedback' });
  const act = (message: ControlMessage, done: string): void => {
    opts
      .send(message)
      .then(() => {
        feedback.textContent = done;
      })
      .catch((err: unknown) => {
        feedback.textContent = err instanceof Error ? err.message : 'The message was not sent.';
      });
  };

  const connection = h(
    'span',
    { class: 'state', 'data-testid': 'broadcast-room-state', 'data-state': 'connecting' },
    'Connecting…',
  );

  const autonomous = h('input', {
    type: 'checkbox',
    checked: opts.autonomousEnabled,
    'data-testid': 'broadcast-autonomous-toggle',
  });
  autonomous.addEventListener('change', () =>
    act(
      { type: 'autonomous', enabled: autonomous.checked },
      autonomous.checked ? 'Autonomous talk on.' : 'Autonomous talk off.',
    ),
  );

  const transition = h(
    'select',
    { 'data-testid': 'broadcast-transition', 'aria-label': 'Transition' },
    ...(['smooth', 'instant', 'dramatic'] as const).map((t) => h('option', { value: t }, t)),
  );
  const switches = h('div', { class: 'broadcast-switches', 'data-testid': 'broadcast-switches' });
  const switchButtons = new Map<string, HTMLButtonElement>();
  const drawSwitches = (cast: ReadonlyArray<{ id: string; name: string }>, active: string | null): void => {
    for (const c of cast) {
      let b = switchButtons.get(c.id);
      if (b === undefined) {
        const button = h('button', {
          type: 'button',
          class: 'secondary',
          'data-testid': `broadcast-switch-${c.id}`,
        });
        button.addEventListener('click', () =>
          act(
            { type: 'switch', characterId: c.id, transition: transition.value as StageTransition },
            `Switching to ${button.textContent ?? c.id}.`,
          ),
        );
        switchButtons.set(c.id, button);
        switches.append(button);
        b = button;
      }
      b.textContent = c.name;
      b.setAttribute('aria-pressed', String(active === c.id));
    }
  };
  drawSwitches(opts.castNames, null);

  const topic = h('input', {
    type: 'text',
    maxlength: 300,
    'data-testid': 'broadcast-topic',
    'aria-label': 'Topic',
  });
  const topicForm = h(
    'form',
    { class: 'broadcast-topic' },
    topic,
    h('button', { type: 'submit', 'data-testid': 'broadcast-topic-send' }, 'Suggest topic'),
  );
  topicForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const text = topic.value.trim();
    if (text === '') return;
    act({ type: 'topic', text }, 'Topic sent.');
    topic.value = '';
  });

  const chat = h('ol', { class: 'broadcast-chat', 'data-testid': 'broadcast-chat', 'aria-live': 'polite' });
  const chatEmpty = h(
    'p',
    { class: 'hint', 'data-testid': 'broadcast-chat-empty' },
    'Chat appears here while the show is on air.',
  );

  const element = h(
    'section',
    { class: 'broadcast-live', 'data-testid': 'broadcast-live', 'aria-label': 'On air controls' },
    h('h2', {}, 'On air ', connection),
    h('label', { class: 'check' }, autonomous, ' Autonomous talk'),
    h('div', { class: 'broadcast-switch-row' }, h('span', {}, 'Spotlight: '), switches, transition),
    topicForm,
    feedback,
    h('h3', {}, 'Chat'),
    chatEmpty,
    chat,
  );

  return {
    element,
    update(state) {
      const names = new Map(opts.castNames.map((c) => [c.id, c.name]));
      for (const c of state.cast) names.set(c.id, c.name);
      drawSwitches(
        [...names].map(([id, name]) => ({ id, name })),
        state.active,
      );
      chatEmpty.hidden = state.chat.length > 0;
      chat.replaceChildren(
        ...state.chat.map((line) => {
          const buttons = (['delete', 'timeout', 'ban'] as const).map((action) => {
            const b = h(
              'button',
              { type: 'button', class: 'link-button', 'data-testid': `broadcast-mod-${action}` },
              moderationLabels[action],
            );
            // Deleting needs Twitch's message id; the others act on the user.
            if (action === 'delete' && line.messageId === undefined) b.disabled = true;
            b.addEventListener('click', () =>
              act(
                {
                  type: 'moderate',
                  action,
                  user: line.user,
                  ...(line.messageId === undefined ? {} : { messageId: line.messageId }),
                },
                `${moderationLabels[action]} sent for ${line.user}.`,
              ),
            );
            return b;
          });
          return h(
            'li',
            { 'data-testid': 'broadcast-chat-line' },
            h('strong', {}, line.user),
            ' ',
            line.text,
            h('span', { class: 'broadcast-mod' }, ...buttons),
          );
        }),
      );
    },
    setConnection(state) {
      connection.dataset.state = state;
      connection.textContent =
        state === 'connected'
          ? 'Connected'
          : state === 'disconnected'
            ? 'Not connected'
            : `${state[0]?.toUpperCase()}${state.slice(1)}…`;
    },
  };
}
