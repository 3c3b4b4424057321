import type { Character } from '../../protocol/index.ts';
import { request } from './api.ts';
import { h, setFlag } from './dom.ts';
import { StageRoom } from './stage-room.ts';
import { captionView, initialStageState, reduceStage, stageSpeakerOf, stageView } from './stage-state.ts';
import type { StageAvatarView, StageEvent, StageState } from './stage-state.ts';
import { stageAccessFrom } from './stage-wire.ts';
import './stage.css';

/** How long a motion badge stays up after the job played it. */
const MOTION_BADGE_MS = 2500;

const initials = (name: string): string =>
  name
    .split(/\s+/)
    .filter((w) => w !== '')
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase() ?? '')
    .join('');

/**
 * `#/stage/<broadcastId>?token=<view-only token>&url=<LiveKit URL>`: the show as the audience
 * sees it, for an OBS browser source or egress's Chrome (which adds `?url=&token=` to the page's
 * own query instead). No controls, no account: everything comes from the room. The page fills
 * the window with a 16:9 stage on a dark background and logs `START_RECORDING` once it shows the
 * room, as LiveKit egress templates must.
 */
export function renderStagePage(root: HTMLElement, broadcastId: string): () => void {
  document.body.classList.add('stage-mode');
  const hashQuery = window.location.hash.split('?', 2)[1] ?? '';
  const access = stageAccessFrom(hashQuery, window.location.search);

  const avatars = h('div', { class: 'stage-cast', 'data-testid': 'stage-cast' });
  const captions = h('div', {
    class: 'stage-captions',
    'data-testid': 'stage-captions',
    'aria-live': 'polite',
  });
  const chat = h('ol', { class: 'stage-chat', 'data-testid': 'stage-chat' });
  const notice = h('p', { class: 'stage-notice', 'data-testid': 'stage-notice', role: 'status' });
  const audio = h('div', { hidden: true });
  const screen = h(
    'section',
    {
      class: 'stage-screen',
      'data-testid': 'stage',
      'data-broadcast': broadcastId,
      'data-state': 'connecting',
    },
    avatars,
    captions,
    chat,
    notice,
    audio,
  );
  root.replaceChildren(screen);

  let state: StageState = initialStageState();
  const avatarEls = new Map<string, HTMLElement>();
  const looked = new Set<string>();
  let frame = 0;
  let motionTimer: ReturnType<typeof setTimeout> | undefined;
  const motionShownAt = new Map<string, { seq: number; at: number }>();

  const lookUpAvatar = (id: string): void => {
    if (looked.has(id)) return;
    looked.add(id);
    // Public characters read without an account; others keep their initials.
    request<Character>('GET', `/api/characters/${encodeURIComponent(id)}`)
      .then((c) => dispatch({ type: 'avatar', characterId: id, avatarUrl: c.avatarUrl }))
      .catch(() => undefined);
  };

  const avatarEl = (a: StageAvatarView): HTMLElement => {
    let el = avatarEls.get(a.id);
    if (el === undefined) {
      el = h(
        'figure',
        { class: 'stage-avatar', 'data-testid': `stage-avatar-${a.id}` },
        h('div', { class: 'stage-portrait' }),
        h('figcaption', { class: 'stage-name' }),
        h('span', { class: 'stage-badge stage-expression', 'data-testid': `stage-expression-${a.id}` }),
        h('span', { class: 'stage-badge stage-motion', 'data-testid': `stage-motion-${a.id}` }),
      );
      avatarEls.set(a.id, el);
      avatars.append(el);
    }
    return el;
  };

  const renderAvatar = (a: StageAvatarView, now: number): void => {
    const el = avatarEl(a);
    setFlag(el, 'speaking', a.speaking);
    setFlag(el, 'active', a.active);
    setFlag(el, 'present', a.present);
    const t = state.transition;
    el.dataset.transition = a.active && t !== null ? t.kind : 'none';
    el.style.setProperty('--switch-ms', `${t?.durationMs ?? 0}ms`);
    const portrait = el.querySelector('.stage-portrait') as HTMLElement;
    const src = a.avatarUrl ?? '';
    if (portrait.dataset.src !== src) {
      portrait.dataset.src = src;
      portrait.replaceChildren(
        src === '' ? h('span', { class: 'stage-initials' }, initials(a.name)) : h('img', { src, alt: '' }),
      );
    }
    (el.querySelector('.stage-name') as HTMLElement).textContent = a.name;
    const expression = el.querySelector('.stage-expression') as HTMLElement;
    expression.textContent = a.expression ?? '';
    expression.hidden = a.expression === null;
    const motion = el.querySelector('.stage-motion') as HTMLElement;
    const m = state.motions[a.id];
    if (m !== undefined && motionShownAt.get(a.id)?.seq !== m.seq)
      motionShownAt.set(a.id, { seq: m.seq, at: now });
    const shownAt = motionShownAt.get(a.id)?.at ?? -Infinity;
    const showMotion = a.motion !== null && now - shownAt < MOTION_BADGE_MS;
    motion.textContent = showMotion ? a.motion : '';
    motion.hidden = !showMotion;
    if (showMotion) {
      clearTimeout(motionTimer);
      motionTimer = setTimeout(schedule, MOTION_BADGE_MS);
    }
  };

  const draw = (): void => {
    frame = 0;
    const now = Date.now();
    const view = stageView(state);
    for (const a of view) {
      if (a.avatarUrl === undefined) lookUpAvatar(a.id);
      renderAvatar(a, now);
    }
    screen.dataset.cast = String(view.length);
    captions.replaceChildren(
      ...captionView(state).map((c) =>
        h(
          'p',
          {
            class: 'stage-caption',
            'data-testid': 'stage-caption',
            'data-speaker': c.speaker,
            'data-final': String(c.final),
          },
          h('strong', {}, c.name),
          ' ',
          c.text,
        ),
      ),
    );
    chat.replaceChildren(
      ...state.chat.map((line) =>
        h(
          'li',
          { class: 'stage-chat-line', 'data-testid': 'stage-chat-line' },
          h('strong', { style: line.color === undefined ? null : `color: ${line.color}` }, line.user),
          ' ',
          line.text,
        ),
      ),
    );
  };
  const schedule = (): void => {
    if (frame === 0) frame = requestAnimationFrame(draw);
  };
  const dispatch = (event: StageEvent): void => {
    state = reduceStage(state, event);
    schedule();
  };

  let recording = false;
  const room = new StageRoom(
    {
      onEvent: dispatch,
      speakerOf: (identity) => stageSpeakerOf(state, identity),
      onConnection: (connection, detail) => {
        screen.dataset.state = connection;
        notice.textContent = detail ?? (connection === 'reconnecting' ? 'Reconnecting…' : '');
        if (connection === 'connected' && !recording) {
          recording = true;
          requestAnimationFrame(() => console.log('START_RECORDING'));
        }
        if (connection === 'disconnected' && recording) console.log('END_RECORDING');
      },
      onAudioBlocked: (blocked) => {
        notice.textContent = blocked ? 'Click anywhere to play the sound.' : '';
        screen.dataset.audio = blocked ? 'blocked' : 'playing';
      },
    },
    audio,
  );
  const unblock = (): void => void room.startAudio().catch(() => undefined);
  screen.addEventListener('click', unblock);

  if (access === null) {
    screen.dataset.state = 'disconnected';
    notice.textContent =
      'This stage link has no access token: copy the OBS URL from the broadcast page again.';
  } else {
    room.connect(access.url, access.token).catch((err: unknown) => {
      screen.dataset.state = 'disconnected';
      notice.textContent = `Could not join the broadcast: ${err instanceof Error ? err.message : String(err)}`;
    });
  }

  return () => {
    room.close();
    if (frame !== 0) cancelAnimationFrame(frame);
    clearTimeout(motionTimer);
    document.body.classList.remove('stage-mode');
  };
}
