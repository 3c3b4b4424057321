import type { Character } from '../../protocol/index.ts';
import { ApiError, listCharacters } from './api.ts';
import { presenceSource } from './api-sessions.ts';
import { currentAuth } from './auth.ts';
import { CallSession } from './call-session.ts';
import { controlsCallbacks, initialCallView, reduceCallView } from './call-state.ts';
import type { CallView, CallViewEvent } from './call-state.ts';
import { CallPageView } from './call-view.ts';
import { saveDisplayName } from './display-name.ts';
import { h, showPageError } from './dom.ts';
import { PresenceBanner } from './presence-view.ts';
import { PresenceWatch } from './presence-watch.ts';
import { callErrorText } from './room-status.ts';
import { hrefFor } from './router.ts';

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
      if (character === undefined)
        return showPageError(status, `There is no companion called “${characterId}”.`);
      const cleanup = mountCall(root, character);
      controller.signal.addEventListener('abort', cleanup, { once: true });
    })
    .catch((err: unknown) => {
      if (!controller.signal.aborted) showPageError(status, callErrorText(err).message);
    });

  return () => controller.abort();
}

/** Wires one character's call: the session's callbacks dispatch to the reducer, the view renders. */
function mountCall(root: HTMLElement, character: Character): () => void {
  let session: CallSession | null = null;
  let call: CallView = initialCallView;
  // Whether the character has arrived: the room says when it joins, the API why it has not.
  const banner = new PresenceBanner(() => presence.retry());
  const presence = new PresenceWatch([{ id: character.id, name: character.name }], (v) => banner.update(v));
  const view = new CallPageView(character, banner.element);
  const { bar } = view;
  root.replaceChildren(view.element);

  const dispatch = (event: CallViewEvent): void => {
    call = reduceCallView(call, event);
    view.render(call);
  };
  const showError = (err: unknown): void => dispatch({ type: 'failed', error: callErrorText(err) });

  // Calls belong to an account: signed out (or with an expired token), sign in and come back here.
  const signIn = (): void => {
    window.location.hash = hrefFor({ name: 'signin', next: `/call/${character.id}` });
  };
  const start = async (): Promise<void> => {
    if (currentAuth() === null) return signIn();
    dispatch({ type: 'started' });
    const displayName = view.nameInput.value.trim();
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
        onTranscript: (event) => {
          if (session === current) dispatch({ type: 'transcript', event });
        },
        onAgent: (identity) => {
          if (session !== current) return;
          const present = identity !== null;
          if (present) presence.joined(character.id);
          else presence.left(character.id);
          dispatch({ type: 'agent', present });
        },
        onAgentStatus: (status) => {
          if (session === current) dispatch({ type: 'agentStatus', status });
        },
        onSpeaking: ({ agent, local }) => {
          if (session === current) dispatch({ type: 'speaking', agent, local });
        },
        onLevel: (level, max) => dispatch({ type: 'level', level, max }),
        ...controlsCallbacks(dispatch),
      },
      view.audioContainer,
    );
    session = current;
    try {
      await current.start(displayName);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) signIn();
      else showError(err);
    }
  };

  bar.start.addEventListener('click', () => void start());
  bar.mute.addEventListener('click', () => {
    void session?.setMuted(!call.muted).catch(showError);
  });
  bar.end.addEventListener('click', () => {
    dispatch({ type: 'ending' });
    void session?.end().catch(showError);
  });
  bar.audio.addEventListener('click', () => {
    void session?.startAudio().catch(showError);
  });

  const onPageHide = (): void => session?.dispose();
  window.addEventListener('pagehide', onPageHide);
  view.render(call);

  return () => {
    window.removeEventListener('pagehide', onPageHide);
    view.stopTimer();
    presence.dispose();
    session?.dispose();
    session = null;
  };
}
