import { ApiError } from './api.ts';
import { createInvite, presenceSource } from './api-sessions.ts';
import { h, setFlag } from './dom.ts';
import { GroupSession } from './group-session.ts';
import type { GroupEntry } from './group-session.ts';
import type { GroupRequestBody } from './group-setup.ts';
import { castView, initialGroupState, peopleView, reduceGroup, resolveGroupSpeaker } from './group-state.ts';
import type { CastMember, CastView, GroupState, PersonView } from './group-state.ts';
import type { PresenceView } from './presence-state.ts';
import { PresenceBanner } from './presence-view.ts';
import { PresenceWatch } from './presence-watch.ts';
import { callErrorText, callStateLabels, isInCall } from './room-status.ts';
import type { CallState } from './room-status.ts';
import { hrefFor } from './router.ts';
import { TranscriptView } from './transcript-view.ts';

/** How often avatars are redrawn: a character's light fades `holdMs` after its voice does. */
const TICK_MS = 100;

/** `absent`: what the presence banner says of a character not in the room (waiting, left, failed). */
function castStatus(c: CastView, absent: string | null): string {
  if (!c.present) return absent ?? 'Not here yet';
  if (c.speaking) return 'Speaking';
  if (c.holdsFloor) return 'Thinking…';
  if (c.next) return 'Up next';
  return 'Listening';
}

export interface GroupCallOptions {
  /** Start at once (the Start click is the gesture) rather than wait for Join. */
  autoStart: boolean;
  /** What Call again sends after this call ended: a new session with the same cast and rules. */
  again: GroupRequestBody;
  /** Called once the session exists, with its id (the page records it in the address). */
  onSession(sessionId: string): void;
  /** The API refused the account's token: sign in and come back. */
  onSignInNeeded(): void;
}

/** The group call view: the cast's avatars, the people, the transcript and the controls. */
export function mountGroupCall(
  root: HTMLElement,
  cast: CastMember[],
  entry: GroupEntry,
  opts: GroupCallOptions,
): () => void {
  let state: GroupState = initialGroupState(cast);
  let session: GroupSession | null = null;
  let callState: CallState = 'idle';
  let muted = false;
  let ticker: ReturnType<typeof setInterval> | null = null;
  // Whether the characters have arrived: the room says who joined, the API why the others have not.
  const banner = new PresenceBanner(() => presence.retry());
  const presence = new PresenceWatch(cast, (v) => {
    arrival = v;
    banner.update(v);
    renderCast(Date.now());
  });
  let arrival: PresenceView = presence.view;

  const avatars = new Map<string, { li: HTMLLIElement; status: HTMLElement }>();
  const castList = h('ul', { class: 'group-cast', 'data-testid': 'group-cast' });
  for (const c of cast) {
    const status = h('span', { class: 'cast-status', 'data-testid': `cast-status-${c.id}` }, 'Not here yet');
    const li = h(
      'li',
      {
        class: 'cast-member',
        'data-testid': `cast-${c.id}`,
        'data-character-id': c.id,
        'data-speaking': 'false',
        'data-present': 'false',
        'data-floor': 'false',
      },
      h(
        'div',
        { class: 'portrait' },
        h('img', { src: c.avatarUrl, alt: `Portrait of ${c.name}`, width: 96, height: 96 }),
      ),
      h('span', { class: 'cast-name' }, c.name),
      status,
    );
    avatars.set(c.id, { li, status });
    castList.append(li);
  }
  const peopleList = h('ul', { class: 'group-people', 'data-testid': 'people' });
  const connection = h(
    'span',
    { class: 'pill state', 'data-testid': 'connection-state', 'data-state': 'idle' },
    callStateLabels.idle,
  );
  const joinBtn = h(
    'button',
    { type: 'button', class: 'button primary', 'data-testid': 'group-join' },
    'Join the call',
  );
  const muteBtn = h(
    'button',
    {
      type: 'button',
      class: 'button secondary',
      'data-testid': 'mute-button',
      'aria-pressed': 'false',
      hidden: true,
    },
    'Mute',
  );
  const leaveBtn = h(
    'button',
    { type: 'button', class: 'button danger', 'data-testid': 'leave-call', hidden: true },
    'Leave',
  );
  const inviteBtn = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'copy-invite', hidden: true },
    'Copy invite link',
  );
  const audioBtn = h(
    'button',
    { type: 'button', class: 'button secondary', 'data-testid': 'enable-audio', hidden: true },
    'Click to hear the characters',
  );
  const inviteUrl = h('input', {
    type: 'text',
    readonly: true,
    class: 'invite-url',
    'data-testid': 'invite-url',
    'aria-label': 'Invite link',
    hidden: true,
  });
  const inviteNote = h('p', { class: 'hint', 'data-testid': 'invite-note', role: 'status' });
  const errorEl = h('p', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
  const transcriptView = new TranscriptView('group-transcript-title');
  const audioContainer = h('div', { class: 'audio-sink', 'aria-hidden': 'true' });

  const view = h(
    'section',
    { class: 'group-call', 'data-testid': 'group-call', 'data-floor-state': 'open' },
    h('a', { class: 'back', href: hrefFor({ name: 'group' }) }, '← Choose another cast'),
    h('h1', {}, `Group call with ${cast.map((c) => c.name).join(', ')}`),
    castList,
    banner.element,
    h(
      'div',
      { class: 'group-grid' },
      h(
        'div',
        { class: 'group-side' },
        h('div', { class: 'pills' }, connection),
        h('div', { class: 'controls' }, joinBtn, muteBtn, leaveBtn, inviteBtn, audioBtn),
        inviteUrl,
        inviteNote,
        errorEl,
        h('h2', { id: 'group-people-title' }, 'People'),
        peopleList,
      ),
      h(
        'section',
        { class: 'transcript-panel', 'aria-labelledby': 'group-transcript-title' },
        h('h2', { id: 'group-transcript-title' }, 'Transcript'),
        transcriptView.element,
      ),
    ),
    audioContainer,
  );
  root.replaceChildren(view);

  const showError = (err: unknown): void => {
    const { code, message } = callErrorText(err);
    errorEl.hidden = false;
    errorEl.setAttribute('data-error-code', code);
    errorEl.replaceChildren(message);
  };

  // ── rendering ─────────────────────────────────────────────────────────────
  const renderCast = (now: number): void => {
    const absent = new Map(arrival.members.map((m) => [m.id, m.label]));
    for (const c of castView(state, now)) {
      const el = avatars.get(c.id);
      if (el === undefined) continue;
      setFlag(el.li, 'speaking', c.speaking);
      setFlag(el.li, 'present', c.present);
      setFlag(el.li, 'floor', c.holdsFloor);
      setFlag(el.li, 'next', c.next);
      const portrait = el.li.firstElementChild;
      if (portrait instanceof HTMLElement) setFlag(portrait, 'speaking', c.speaking);
      const text = castStatus(c, absent.get(c.id) ?? null);
      if (el.status.textContent !== text) el.status.textContent = text;
    }
    view.setAttribute('data-floor-state', state.floor?.state ?? 'open');
  };
  const personEls = new Map<string, HTMLLIElement>();
  const renderPeople = (now: number): void => {
    const items = peopleView(state, now).map((p: PersonView) => {
      let li = personEls.get(p.identity);
      if (li === undefined) {
        li = h('li', { class: 'person', 'data-testid': 'person', 'data-identity': p.identity });
        personEls.set(p.identity, li);
      }
      const label = p.isLocal ? `${p.name} (you)` : p.name;
      if (li.textContent !== label) li.textContent = label;
      setFlag(li, 'speaking', p.speaking);
      setFlag(li, 'local', p.isLocal);
      return li;
    });
    const kids = peopleList.children;
    if (items.length !== kids.length || items.some((el, i) => kids[i] !== el))
      peopleList.replaceChildren(...items);
  };
  let shownTranscript = state.transcript;
  const render = (): void => {
    const now = Date.now();
    renderCast(now);
    renderPeople(now);
    if (state.transcript !== shownTranscript) {
      shownTranscript = state.transcript;
      transcriptView.update(state.transcript);
    }
  };
  const renderState = (): void => {
    connection.setAttribute('data-state', callState);
    connection.textContent = callStateLabels[callState];
    const inCall = isInCall(callState);
    joinBtn.hidden = inCall;
    joinBtn.textContent = callState === 'disconnected' ? 'Call again' : 'Join the call';
    muteBtn.hidden = !inCall;
    leaveBtn.hidden = !inCall;
    inviteBtn.hidden = !inCall || session?.sessionId === null;
    muteBtn.disabled = callState !== 'connected' && callState !== 'reconnecting';
    if (!inCall) audioBtn.hidden = true;
    if (inCall && ticker === null) ticker = setInterval(render, TICK_MS);
    if (!inCall && ticker !== null) {
      clearInterval(ticker);
      ticker = null;
    }
    render();
  };

  // ── call ──────────────────────────────────────────────────────────────────
  let currentEntry = entry;
  const start = async (): Promise<void> => {
    errorEl.hidden = true;
    state = reduceGroup(state, { type: 'reset' });
    muted = false;
    muteBtn.textContent = 'Mute';
    muteBtn.setAttribute('aria-pressed', 'false');
    inviteUrl.hidden = true;
    inviteNote.textContent = '';
    const current = new GroupSession(
      {
        onState: (s) => {
          if (session !== current) return;
          callState = s;
          const id = current.sessionId;
          if (s === 'connected' && id !== null) presence.start(id, presenceSource(id));
          else if (s === 'disconnected' || s === 'idle') presence.stop();
          renderState();
        },
        onEvent: (e) => {
          if (session !== current) return;
          const before = state.present;
          state = reduceGroup(state, e);
          // The group reducer knows which participant is which character; the presence follows it.
          if (state.present !== before)
            for (const c of cast) {
              const was = before[c.id] === true;
              const is = state.present[c.id] === true;
              if (is && !was) presence.joined(c.id);
              else if (was && !is) presence.left(c.id);
            }
          if (e.type !== 'level') render();
        },
        speakerOf: (ctx) => resolveGroupSpeaker(state, ctx),
        onMuted: (m) => {
          muted = m;
          muteBtn.textContent = m ? 'Unmute' : 'Mute';
          muteBtn.setAttribute('aria-pressed', String(m));
          setFlag(muteBtn, 'muted', m);
        },
        onAudioBlocked: (blocked) => {
          audioBtn.hidden = !blocked;
        },
        onEndedRemotely: (message) => showError(new Error(message)),
      },
      audioContainer,
    );
    session = current;
    try {
      await current.start(currentEntry);
      const id = current.sessionId;
      if (id !== null) {
        // Calling again after leaving starts a new session with the same cast and rules.
        currentEntry = { create: opts.again };
        opts.onSession(id);
        renderState();
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) opts.onSignInNeeded();
      else showError(err);
    }
  };

  joinBtn.addEventListener('click', () => void start());
  muteBtn.addEventListener('click', () => void session?.setMuted(!muted).catch(showError));
  leaveBtn.addEventListener('click', () => {
    leaveBtn.disabled = true;
    void session
      ?.leave()
      .catch(showError)
      .finally(() => (leaveBtn.disabled = false));
  });
  audioBtn.addEventListener('click', () => void session?.startAudio().catch(showError));
  inviteBtn.addEventListener('click', () => {
    const id = session?.sessionId;
    if (id === null || id === undefined) return;
    inviteBtn.disabled = true;
    createInvite(id)
      .then(async (invite) => {
        inviteUrl.value = invite.url;
        inviteUrl.hidden = false;
        inviteUrl.select();
        const until = new Date(invite.expiresAt).toLocaleTimeString([], {
          hour: '2-digit',
          minute: '2-digit',
        });
        try {
          await navigator.clipboard.writeText(invite.url);
          inviteNote.textContent = `Invite link copied. It works until ${until}.`;
          inviteNote.setAttribute('data-copied', 'true');
        } catch {
          // Clipboard access needs permission (or focus); the selected link can be copied by hand.
          inviteNote.textContent = `Copy the link above to invite someone. It works until ${until}.`;
          inviteNote.setAttribute('data-copied', 'false');
        }
      })
      .catch(showError)
      .finally(() => (inviteBtn.disabled = false));
  });

  const onPageHide = (): void => session?.dispose();
  window.addEventListener('pagehide', onPageHide);
  renderState();
  if (opts.autoStart) void start();

  return () => {
    window.removeEventListener('pagehide', onPageHide);
    if (ticker !== null) clearInterval(ticker);
    presence.dispose();
    session?.dispose();
    session = null;
  };
}
