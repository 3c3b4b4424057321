import { ApiError } from './api.ts';
import { createInvite, presenceSource } from './api-sessions.ts';
import { controlsCallbacks } from './call-state.ts';
import { GroupCallView } from './group-call-view.ts';
import { GroupSession } from './group-session.ts';
import type { GroupEntry } from './group-session.ts';
import type { GroupRequestBody } from './group-setup.ts';
import { arrivals, initialGroupCall, reduceGroupCall, resolveGroupSpeaker } from './group-state.ts';
import type { CastMember, GroupCallEvent, GroupCallState } from './group-state.ts';
import { PresenceBanner } from './presence-view.ts';
import { PresenceWatch } from './presence-watch.ts';
import { callErrorText } from './room-status.ts';

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

/**
 * The group call: the session's callbacks dispatch to `reduceGroupCall`, the view renders, and
 * the presence watch follows who the reducer says is in the room.
 */
export function mountGroupCall(
  root: HTMLElement,
  cast: CastMember[],
  entry: GroupEntry,
  opts: GroupCallOptions,
): () => void {
  let session: GroupSession | null = null;
  // Whether the characters have arrived: the room says who joined, the API why the others have not.
  const banner = new PresenceBanner(() => presence.retry());
  const presence = new PresenceWatch(cast, (v) => {
    banner.update(v);
    dispatch({ type: 'arrival', view: v });
  });
  let state: GroupCallState = initialGroupCall(cast, presence.view);
  const view = new GroupCallView(cast, banner.element);
  const { bar } = view;
  root.replaceChildren(view.element);

  /** Voice levels only move the lights, which the view's own redraws pick up. */
  const dispatch = (event: GroupCallEvent): void => {
    state = reduceGroupCall(state, event);
    if (event.type !== 'room' || event.event.type !== 'level') view.render(state);
  };
  const showError = (err: unknown): void => dispatch({ type: 'failed', error: callErrorText(err) });

  let currentEntry = entry;
  const start = async (): Promise<void> => {
    dispatch({ type: 'started' });
    const current = new GroupSession(
      {
        onState: (s) => {
          if (session !== current) return;
          const id = current.sessionId;
          if (s === 'connected' && id !== null) presence.start(id, presenceSource(id));
          else if (s === 'disconnected' || s === 'idle') presence.stop();
          dispatch({ type: 'session', sessionId: id });
          dispatch({ type: 'state', state: s, at: Date.now() });
        },
        onEvent: (event) => {
          if (session !== current) return;
          const before = state.room;
          dispatch({ type: 'room', event });
          // The group reducer knows which participant is which character; the presence follows it.
          for (const [id, joined] of arrivals(before, state.room))
            if (joined) presence.joined(id);
            else presence.left(id);
        },
        speakerOf: (ctx) => resolveGroupSpeaker(state.room, ctx),
        ...controlsCallbacks(dispatch),
      },
      view.audioContainer,
    );
    session = current;
    try {
      await current.start(currentEntry);
      const id = current.sessionId;
      if (id !== null) {
        // Calling again after leaving starts a new session with the same cast and rules.
        currentEntry = { create: opts.again };
        opts.onSession(id);
        dispatch({ type: 'session', sessionId: id });
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) opts.onSignInNeeded();
      else showError(err);
    }
  };

  const invite = async (id: string): Promise<void> => {
    const made = await createInvite(id);
    dispatch({ type: 'inviteCreated', url: made.url });
    view.selectInvite();
    const until = new Date(made.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    let copied = true;
    try {
      await navigator.clipboard.writeText(made.url);
    } catch {
      // Clipboard access needs permission (or focus); the selected link can be copied by hand.
      copied = false;
    }
    dispatch({ type: 'inviteCopied', copied, until });
  };

  bar.start.addEventListener('click', () => void start());
  bar.mute.addEventListener('click', () => void session?.setMuted(!state.muted).catch(showError));
  bar.end.addEventListener('click', () => {
    dispatch({ type: 'ending' });
    void session
      ?.leave()
      .catch(showError)
      .finally(() => dispatch({ type: 'endSettled' }));
  });
  bar.audio.addEventListener('click', () => void session?.startAudio().catch(showError));
  view.invite.addEventListener('click', () => {
    const id = session?.sessionId;
    if (id === null || id === undefined) return;
    dispatch({ type: 'inviteRequested' });
    invite(id)
      .catch(showError)
      .finally(() => dispatch({ type: 'inviteSettled' }));
  });

  const onPageHide = (): void => session?.dispose();
  window.addEventListener('pagehide', onPageHide);
  view.render(state);
  if (opts.autoStart) void start();

  return () => {
    window.removeEventListener('pagehide', onPageHide);
    view.stopTicking();
    presence.dispose();
    session?.dispose();
    session = null;
  };
}
