import type { Character, RoomAccess } from '../../protocol/index.ts';
import { ApiError } from './api.ts';
import { joinInvite } from './api-sessions.ts';
import { CallSession } from './call-session.ts';
import { displayNameInput } from './display-name.ts';
import { field, h, setFlag } from './dom.ts';
import { isInCall } from './room-status.ts';
import type { CallState } from './room-status.ts';
import { emptyTranscript, reduceTranscript } from './transcript.ts';
import type { TranscriptState } from './transcript.ts';
import { transcriptPanel } from './transcript-view.ts';

/**
 * A guest's page for an invite link: a display name, then the call. No account is needed; the
 * invite code buys a room token for the existing session (`POST /api/invites/:code/join`), which
 * CallSession uses instead of creating a session. Leaving does not end the owner's session.
 */

/** Who the guest hears, until the room says more: the invite does not name the character. */
const guestCharacter: Character = {
  id: 'guest-call',
  name: 'Companion',
  tagline: 'In the call you were invited to',
  persona: { background: '-', traits: ['-'], interests: ['-'], tone: '-', speakingStyle: '-' },
  greeting: '-',
  avatarUrl: '/avatars/imported.svg',
  voice: {
    openai: { voice: 'alloy' },
    elevenlabs: { voiceId: '-' },
    espeak: { voice: 'en-us', rate: 175, pitch: 50 },
  },
  builtIn: false,
};

const friendly: Record<string, string> = {
  not_found: 'This invite has expired, was revoked, or its call has ended.',
  rate_limited: 'Too many attempts. Wait a minute and try again.',
};

/** The guest join page; returns its cleanup, which leaves the call. */
export function renderJoinPage(root: HTMLElement, code: string): () => void {
  let session: CallSession | null = null;
  let transcript: TranscriptState = emptyTranscript;
  const name = displayNameInput('join-name', { 'data-testid': 'join-name', required: true });
  const join = h(
    'button',
    { type: 'submit', class: 'button primary', 'data-testid': 'join-submit' },
    'Join the call',
  );
  const leave = h(
    'button',
    { type: 'button', class: 'button danger', 'data-testid': 'leave-call', hidden: true },
    'Leave',
  );
  const mute = h(
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
  const state = h(
    'span',
    { class: 'pill state', 'data-testid': 'connection-state', 'data-state': 'idle' },
    'Not connected',
  );
  const errorEl = h('p', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
  const { element: transcriptEl, view } = transcriptPanel('join-transcript-title');
  const audio = h('div', { class: 'audio-sink', 'aria-hidden': 'true' });
  const form = h(
    'form',
    { class: 'signin-form', 'data-testid': 'join-form', novalidate: true },
    field('join-name', 'Your name', name),
    h('div', { class: 'controls' }, join),
  );
  const page = h(
    'section',
    { class: 'call', 'data-testid': 'join-page', 'data-agent': 'absent' },
    h('h1', {}, 'You are invited to a call'),
    h('p', { class: 'lede' }, 'Say who you are, allow the microphone, and join in.'),
    form,
    h('div', { class: 'pills' }, state),
    h('div', { class: 'controls' }, mute, leave),
    errorEl,
    transcriptEl,
    audio,
  );
  root.replaceChildren(page);

  const showError = (err: unknown): void => {
    errorEl.hidden = false;
    errorEl.textContent =
      err instanceof ApiError
        ? (friendly[err.code] ?? err.message)
        : err instanceof Error
          ? err.message
          : 'Something went wrong.';
  };
  const onState = (s: CallState): void => {
    state.setAttribute('data-state', s);
    state.textContent = s[0]?.toUpperCase() + s.slice(1);
    const inCall = isInCall(s);
    form.hidden = inCall;
    leave.hidden = !inCall;
    mute.hidden = !inCall;
  };

  const start = async (access: RoomAccess): Promise<void> => {
    const current = new CallSession(
      guestCharacter,
      {
        onState,
        onTranscript: (e) => {
          transcript = reduceTranscript(transcript, e);
          view.update(transcript);
        },
        onAgent: (identity) => page.setAttribute('data-agent', identity === null ? 'absent' : 'present'),
        onAgentStatus: () => undefined,
        onSpeaking: ({ agent }) => setFlag(page, 'agent-speaking', agent),
        onLevel: () => undefined,
        onAudioBlocked: () => undefined,
        onMuted: (m) => {
          mute.textContent = m ? 'Unmute' : 'Mute';
          mute.setAttribute('aria-pressed', String(m));
        },
        onEndedRemotely: (message) => showError(new Error(message)),
      },
      audio,
      access,
    );
    session = current;
    await current.start(name.value.trim());
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    errorEl.hidden = true;
    join.disabled = true;
    // The audio context starts after the join request; Chrome's user activation outlasts it.
    joinInvite(code, name.value)
      .then(start)
      .catch(showError)
      .finally(() => (join.disabled = false));
  });
  let muted = false;
  mute.addEventListener('click', () => {
    muted = !muted;
    void session?.setMuted(muted).catch(showError);
  });
  leave.addEventListener('click', () => void session?.end().catch(showError));
  name.focus();
  return () => session?.dispose();
}
