import type { Character } from '../../protocol/index.ts';
import { describeProviders } from './agent-status.ts';
import type { AgentStatus } from './agent-status.ts';
import { ApiError, listCharacters } from './api.ts';
import { presenceSource } from './api-sessions.ts';
import { currentAuth } from './auth.ts';
import { CallSession } from './call-session.ts';
import { callControls, elapsedMs, initialCallView, reduceCallView, timerRunning } from './call-state.ts';
import type { CallView, CallViewEvent } from './call-state.ts';
import { h, setFlag } from './dom.ts';
import { formatDuration } from './format.ts';
import { PresenceBanner } from './presence-view.ts';
import { PresenceWatch } from './presence-watch.ts';
import { callErrorText, callStateLabels } from './room-status.ts';
import { hrefFor } from './router.ts';
import { emptyTranscript, reduceTranscript } from './transcript.ts';
import type { TranscriptEvent, TranscriptState } from './transcript.ts';
import { TranscriptView } from './transcript-view.ts';

const displayNameKey = 'troupe.displayName';

function readDisplayName(): string {
  try {
    return localStorage.getItem(displayNameKey) ?? '';
  } catch {
    return '';
  }
}

function saveDisplayName(name: string): void {
  try {
    if (name === '') localStorage.removeItem(displayNameKey);
    else localStorage.setItem(displayNameKey, name);
  } catch {
    // Private windows may refuse storage; the name then lasts for this call only.
  }
}

/** The call page for one character; returns its cleanup, which leaves any call in progress. */
export function renderCallPage(root: HTMLElement, characterId: string): () => void {
  const controller = new AbortController();
  const back = h('a', { class: 'back', href: hrefFor({ name: 'catalog' }) }, '← All companions');
  const status = h('p', { class: 'status', role: 'status' }, 'Loading…');
  root.replaceChildren(h('section', { class: 'call' }, back, status));

  void listCharacters()
    .then((characters) => {
      if (controller.signal.aborted) return;
      const character = characters.find((c) => c.id === characterId);
      if (character === undefined) {
        status.className = 'status error';
        status.setAttribute('role', 'alert');
        status.setAttribute('data-testid', 'error');
        status.replaceChildren(`There is no companion called “${characterId}”.`);
        return;
      }
      const cleanup = mountCall(root, character);
      controller.signal.addEventListener('abort', cleanup, { once: true });
    })
    .catch((err: unknown) => {
      if (controller.signal.aborted) return;
      status.className = 'status error';
      status.setAttribute('role', 'alert');
      status.setAttribute('data-testid', 'error');
      status.replaceChildren(callErrorText(err).message);
    });

  return () => controller.abort();
}

function mountCall(root: HTMLElement, character: Character): () => void {
  let session: CallSession | null = null;
  let call: CallView = initialCallView;
  let transcript: TranscriptState = emptyTranscript;
  let timer: ReturnType<typeof setInterval> | null = null;

  // ── elements ──────────────────────────────────────────────────────────────
  const portrait = h(
    'div',
    { class: 'portrait', 'data-testid': 'agent-avatar', 'data-speaking': 'false' },
    h('img', { src: character.avatarUrl, alt: `Portrait of ${character.name}`, width: 160, height: 160 }),
  );
  const connection = h(
    'span',
    { class: 'pill state', 'data-testid': 'connection-state', 'data-state': 'idle' },
    callStateLabels.idle,
  );
  const timerEl = h(
    'span',
    {
      class: 'pill timer',
      'data-testid': 'call-timer',
      'data-elapsed-ms': '0',
      'aria-label': 'Call duration',
    },
    '0:00',
  );
  const tooltip = h('span', {
    class: 'tooltip',
    role: 'tooltip',
    id: 'offline-tooltip',
    'data-testid': 'offline-tooltip',
  });
  const offlineBadge = h(
    'span',
    {
      class: 'pill offline',
      'data-testid': 'offline-badge',
      tabindex: 0,
      'aria-describedby': 'offline-tooltip',
      hidden: true,
    },
    'Offline voices',
    tooltip,
  );
  const meterFill = h('span', { class: 'meter-fill' });
  const meter = h(
    'div',
    {
      class: 'meter',
      role: 'meter',
      'aria-label': `${character.name}'s voice level`,
      'aria-valuemin': 0,
      'aria-valuemax': 1,
      'aria-valuenow': 0,
      'data-testid': 'agent-level',
      'data-level': '0',
      'data-max-level': '0',
    },
    meterFill,
  );
  const nameInput = h('input', {
    id: 'display-name',
    type: 'text',
    maxlength: 60,
    autocomplete: 'nickname',
    placeholder: 'Optional',
    value: readDisplayName(),
  });
  const startBtn = h(
    'button',
    { type: 'button', class: 'button primary', 'data-testid': 'start-call' },
    'Start call',
  );
  const muteBtn = h(
    'button',
    {
      type: 'button',
      class: 'button secondary',
      'data-testid': 'mute-button',
      'aria-pressed': 'false',
      'data-muted': 'false',
      hidden: true,
    },
    'Mute',
  );
  const endBtn = h(
    'button',
    { type: 'button', class: 'button danger', 'data-testid': 'end-call', hidden: true },
    'End call',
  );
  const audioBtn = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'enable-audio', hidden: true },
    `Click to hear ${character.name}`,
  );
  const errorEl = h('p', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
  const hint = h(
    'p',
    { class: 'hint', 'data-testid': 'call-status' },
    'Press Start call and allow the microphone.',
  );
  const transcriptView = new TranscriptView('transcript-title');
  const audioContainer = h('div', { class: 'audio-sink', 'aria-hidden': 'true' });
  // Whether the character has arrived: the room says when it joins, the API why it has not.
  const banner = new PresenceBanner(() => presence.retry());
  const presence = new PresenceWatch([{ id: character.id, name: character.name }], (v) => banner.update(v));

  const view = h(
    'section',
    {
      class: 'call',
      'data-testid': 'call-page',
      'data-character-id': character.id,
      'data-agent': 'absent',
    },
    h('a', { class: 'back', href: hrefFor({ name: 'catalog' }) }, '← All companions'),
    h(
      'div',
      { class: 'call-grid' },
      h(
        'div',
        { class: 'stage' },
        portrait,
        h('h1', { class: 'call-name' }, character.name),
        h('p', { class: 'tagline' }, character.tagline),
        h('div', { class: 'pills' }, connection, timerEl, offlineBadge),
        meter,
        h('div', { class: 'field' }, h('label', { for: 'display-name' }, 'Your name'), nameInput),
        h('div', { class: 'controls' }, startBtn, muteBtn, endBtn, audioBtn),
        banner.element,
        errorEl,
        hint,
      ),
      h(
        'section',
        { class: 'transcript-panel', 'aria-labelledby': 'transcript-title' },
        h('h2', { id: 'transcript-title' }, 'Transcript'),
        transcriptView.element,
      ),
    ),
    audioContainer,
  );
  root.replaceChildren(view);

  // ── rendering ─────────────────────────────────────────────────────────────
  const showError = (err: unknown): void => {
    const { code, message } = callErrorText(err);
    errorEl.hidden = false;
    errorEl.setAttribute('data-error-code', code);
    errorEl.replaceChildren(message);
  };
  const clearError = (): void => {
    errorEl.hidden = true;
    errorEl.removeAttribute('data-error-code');
    errorEl.replaceChildren();
  };

  const renderTimer = (): void => {
    const elapsed = elapsedMs(call, Date.now());
    timerEl.textContent = formatDuration(elapsed);
    timerEl.setAttribute('data-elapsed-ms', String(Math.round(elapsed)));
  };

  const render = (): void => {
    const c = callControls(call, character.name);
    connection.setAttribute('data-state', call.state);
    connection.textContent = callStateLabels[call.state];
    startBtn.hidden = c.inCall;
    startBtn.textContent = c.startLabel;
    nameInput.disabled = c.inCall;
    muteBtn.hidden = !c.inCall;
    endBtn.hidden = !c.inCall;
    muteBtn.disabled = !c.muteEnabled;
    endBtn.disabled = !c.endEnabled;
    if (!c.inCall) audioBtn.hidden = true;
    muteBtn.textContent = c.muteLabel;
    muteBtn.setAttribute('aria-pressed', String(call.muted));
    setFlag(muteBtn, 'muted', call.muted);
    hint.textContent = c.hint;
    if (timerRunning(call) && timer === null) timer = setInterval(renderTimer, 250);
    if (!timerRunning(call) && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    renderTimer();
  };
  const dispatch = (event: CallViewEvent): void => {
    call = reduceCallView(call, event);
    render();
  };

  const renderTranscript = (): void => transcriptView.update(transcript);

  const renderAgentStatus = (s: AgentStatus): void => {
    offlineBadge.hidden = !s.offline;
    const text = describeProviders(s.providers);
    offlineBadge.setAttribute('data-providers', s.providers === null ? '' : JSON.stringify(s.providers));
    tooltip.replaceChildren(...text.split('\n').flatMap((t, i) => (i === 0 ? [t] : [h('br'), t])));
  };

  // ── call ──────────────────────────────────────────────────────────────────
  // Calls belong to an account: signed out (or with an expired token), sign in and come back here.
  const signIn = (): void => {
    window.location.hash = hrefFor({ name: 'signin', next: `/call/${character.id}` });
  };
  const start = async (): Promise<void> => {
    if (currentAuth() === null) return signIn();
    clearError();
    transcript = reduceTranscript(transcript, { type: 'reset' });
    renderTranscript();
    dispatch({ type: 'started' });
    renderAgentStatus({ offline: false, providers: null });
    const displayName = nameInput.value.trim();
    saveDisplayName(displayName);

    const current = new CallSession(
      character,
      {
        onState: (s) => {
          if (session !== current) return;
          const id = current.sessionId;
          if (s === 'connected' && id !== null) presence.start(id, presenceSource(id));
          else if (s === 'disconnected' || s === 'idle') presence.stop();
          dispatch({ type: 'state', state: s, at: Date.now() });
        },
        onTranscript: (e: TranscriptEvent) => {
          if (session !== current) return;
          transcript = reduceTranscript(transcript, e);
          renderTranscript();
        },
        onAgent: (identity) => {
          if (session !== current) return;
          const present = identity !== null;
          view.setAttribute('data-agent', present ? 'present' : 'absent');
          if (present) presence.joined(character.id);
          else presence.left(character.id);
          dispatch({ type: 'agent', present });
        },
        onAgentStatus: (s) => {
          if (session === current) renderAgentStatus(s);
        },
        onSpeaking: ({ agent, local }) => {
          if (session !== current) return;
          setFlag(portrait, 'speaking', agent);
          setFlag(view, 'local-speaking', local);
        },
        onLevel: (level, max) => {
          meter.setAttribute('data-level', level.toFixed(4));
          meter.setAttribute('data-max-level', max.toFixed(4));
          meter.setAttribute('aria-valuenow', level.toFixed(2));
          // Speech RMS sits around 0.05–0.3; scale so the bar moves visibly.
          meterFill.style.transform = `scaleX(${Math.min(1, level * 4).toFixed(3)})`;
        },
        onAudioBlocked: (blocked) => {
          audioBtn.hidden = !blocked;
        },
        onMuted: (muted) => dispatch({ type: 'muted', muted }),
        onEndedRemotely: (message) => showError(new Error(message)),
      },
      audioContainer,
    );
    session = current;
    try {
      await current.start(displayName);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) signIn();
      else showError(err);
    }
  };

  startBtn.addEventListener('click', () => void start());
  muteBtn.addEventListener('click', () => {
    void session?.setMuted(!call.muted).catch(showError);
  });
  endBtn.addEventListener('click', () => {
    dispatch({ type: 'ending' });
    void session?.end().catch(showError);
  });
  audioBtn.addEventListener('click', () => {
    void session?.startAudio().catch(showError);
  });

  const onPageHide = (): void => session?.dispose();
  window.addEventListener('pagehide', onPageHide);
  renderAgentStatus({ offline: false, providers: null });
  render();

  return () => {
    window.removeEventListener('pagehide', onPageHide);
    if (timer !== null) clearInterval(timer);
    presence.dispose();
    session?.dispose();
    session = null;
  };
}
