import { isInCall } from './room-status.ts';
import type { CallState } from './room-status.ts';

/**
 * The one-to-one call page's controls as a pure reducer: the connection's state, the character's
 * arrival and the microphone's mute in; the buttons, the hint and the call timer out. The
 * transcript has its own reducer (transcript.ts); the voice level goes straight to the page.
 */

export interface CallView {
  state: CallState;
  agentPresent: boolean;
  muted: boolean;
  /** End was pressed and the call is being ended. */
  ending: boolean;
  /** When the call first connected (ms, page clock); the timer runs from here. */
  connectedAt: number | null;
  /** When a call that had connected ended; the timer stops here. */
  endedAt: number | null;
}

export type CallViewEvent =
  | { type: 'started' }
  | { type: 'state'; state: CallState; at: number }
  | { type: 'agent'; present: boolean }
  | { type: 'muted'; muted: boolean }
  | { type: 'ending' };

export const initialCallView: CallView = {
  state: 'idle',
  agentPresent: false,
  muted: false,
  ending: false,
  connectedAt: null,
  endedAt: null,
};

export function reduceCallView(view: CallView, event: CallViewEvent): CallView {
  switch (event.type) {
    case 'started':
      return { ...initialCallView, state: view.state };
    case 'state': {
      const next = { ...view, state: event.state };
      if (event.state === 'connected' && view.connectedAt === null) return { ...next, connectedAt: event.at };
      if ((event.state === 'disconnected' || event.state === 'idle') && timerRunning(view))
        return { ...next, endedAt: event.at };
      return next;
    }
    case 'agent':
      return { ...view, agentPresent: event.present };
    case 'muted':
      return { ...view, muted: event.muted };
    case 'ending':
      return { ...view, ending: true };
  }
}

/** Whether the timer is counting: the call connected and has not ended. */
export function timerRunning(view: CallView): boolean {
  return view.connectedAt !== null && view.endedAt === null;
}

export function elapsedMs(view: CallView, now: number): number {
  return view.connectedAt === null ? 0 : (view.endedAt ?? now) - view.connectedAt;
}

/** What the page's controls show. */
export interface CallControls {
  inCall: boolean;
  startLabel: string;
  /** The microphone can only be muted once it is published. */
  muteEnabled: boolean;
  muteLabel: string;
  endEnabled: boolean;
  hint: string;
}

export function callControls(view: CallView, characterName: string): CallControls {
  const hints: Record<CallState, string> = {
    idle: 'Press Start call and allow the microphone.',
    connecting: 'Connecting…',
    // While the character is not there, the presence banner says why and for how long.
    connected: view.agentPresent ? `${characterName} is on the line. Say hello!` : 'Connected.',
    reconnecting: 'The connection dropped; reconnecting…',
    disconnected: 'The call has ended.',
  };
  return {
    inCall: isInCall(view.state),
    startLabel: view.state === 'disconnected' ? 'Call again' : 'Start call',
    muteEnabled: view.state === 'connected' || view.state === 'reconnecting',
    muteLabel: view.muted ? 'Unmute' : 'Mute',
    endEnabled: isInCall(view.state) && !view.ending,
    hint: hints[view.state],
  };
}
