import type { AgentStatus } from './agent-status.ts';
import type { CallStatusCallbacks } from './room-connection.ts';
import { isInCall } from './room-status.ts';
import type { CallState } from './room-status.ts';
import { emptyTranscript, reduceTranscript } from './transcript.ts';
import type { TranscriptEvent, TranscriptState } from './transcript.ts';

/**
 * The call pages' state as pure reducers. `reduceCallControls` is what the one-to-one and the group
 * call share: the connection's state, the microphone's mute, End/Leave, blocked playback and the
 * error shown. `reduceCallView` is the one-to-one page on top of it: the character's arrival and
 * status, who is speaking, the voice level, the transcript (transcript.ts) and the call timer.
 */

/** An error as a call page shows it (room-status.ts `callErrorText`). */
export interface CallErrorText {
  code: string;
  message: string;
}

export interface CallControlsState {
  state: CallState;
  muted: boolean;
  /** End (or Leave) was pressed and the call is being ended. */
  ending: boolean;
  /** The browser refused to play audio until the person clicks; only while in a call. */
  audioBlocked: boolean;
  error: CallErrorText | null;
}

export type CallControlsEvent =
  | { type: 'started' }
  | { type: 'state'; state: CallState; at: number }
  | { type: 'muted'; muted: boolean }
  | { type: 'ending' }
  /** Ending finished or failed: End can be pressed again (while the call is still on). */
  | { type: 'endSettled' }
  | { type: 'audioBlocked'; blocked: boolean }
  | { type: 'failed'; error: CallErrorText };

export const initialCallControls: CallControlsState = {
  state: 'idle',
  muted: false,
  ending: false,
  audioBlocked: false,
  error: null,
};

export function reduceCallControls<S extends CallControlsState>(s: S, event: CallControlsEvent): S {
  switch (event.type) {
    case 'started':
      return { ...s, ...initialCallControls, state: s.state };
    case 'state':
      return { ...s, state: event.state, audioBlocked: isInCall(event.state) && s.audioBlocked };
    case 'muted':
      return { ...s, muted: event.muted };
    case 'ending':
      return { ...s, ending: true };
    case 'endSettled':
      return { ...s, ending: false };
    case 'audioBlocked':
      return { ...s, audioBlocked: event.blocked };
    case 'failed':
      return { ...s, error: event.error };
  }
}

/** The room's status callbacks that both pages turn into controls events alike (not its state). */
export function controlsCallbacks(
  dispatch: (event: CallControlsEvent) => void,
): Omit<CallStatusCallbacks, 'onState'> {
  return {
    onMuted: (muted) => dispatch({ type: 'muted', muted }),
    onAudioBlocked: (blocked) => dispatch({ type: 'audioBlocked', blocked }),
    // The room's own words: shown as a client error, as any Error is (room-status.ts).
    onEndedRemotely: (message) => dispatch({ type: 'failed', error: { code: 'client', message } }),
  };
}

/** What the controls show, whichever page: `startLabel` is the page's word for a first start. */
export interface CallControls {
  inCall: boolean;
  startLabel: string;
  /** The microphone can only be muted once it is published. */
  muteEnabled: boolean;
  muteLabel: string;
  endEnabled: boolean;
}

export function controlsOf(s: CallControlsState, startLabel: string): CallControls {
  return {
    inCall: isInCall(s.state),
    startLabel: s.state === 'disconnected' ? 'Call again' : startLabel,
    muteEnabled: s.state === 'connected' || s.state === 'reconnecting',
    muteLabel: s.muted ? 'Unmute' : 'Mute',
    endEnabled: isInCall(s.state) && !s.ending,
  };
}

export interface CallView extends CallControlsState {
  agentPresent: boolean;
  /** When the call first connected (ms, page clock); the timer runs from here. */
  connectedAt: number | null;
  /** When a call that had connected ended; the timer stops here. */
  endedAt: number | null;
  transcript: TranscriptState;
  agentStatus: AgentStatus;
  /** Null until the room first says; kept across calls, as the room reports the end of speech. */
  speaking: { agent: boolean; local: boolean } | null;
  /** The character's current and highest RMS level; null until metered, kept across calls. */
  level: { level: number; max: number } | null;
}

export type CallViewEvent =
  | CallControlsEvent
  | { type: 'agent'; present: boolean }
  | { type: 'agentStatus'; status: AgentStatus }
  | { type: 'speaking'; agent: boolean; local: boolean }
  | { type: 'level'; level: number; max: number }
  | { type: 'transcript'; event: TranscriptEvent };

export const initialCallView: CallView = {
  ...initialCallControls,
  agentPresent: false,
  connectedAt: null,
  endedAt: null,
  transcript: emptyTranscript,
  agentStatus: { offline: false, providers: null },
  speaking: null,
  level: null,
};

export function reduceCallView(view: CallView, event: CallViewEvent): CallView {
  switch (event.type) {
    case 'started':
      return { ...initialCallView, state: view.state, speaking: view.speaking, level: view.level };
    case 'state': {
      const next = reduceCallControls(view, event);
      if (event.state === 'connected' && view.connectedAt === null) return { ...next, connectedAt: event.at };
      if ((event.state === 'disconnected' || event.state === 'idle') && timerRunning(view))
        return { ...next, endedAt: event.at };
      return next;
    }
    case 'agent':
      return { ...view, agentPresent: event.present };
    case 'agentStatus':
      return { ...view, agentStatus: event.status };
    case 'speaking':
      return { ...view, speaking: { agent: event.agent, local: event.local } };
    case 'level':
      return { ...view, level: { level: event.level, max: event.max } };
    case 'transcript':
      return { ...view, transcript: reduceTranscript(view.transcript, event.event) };
    default:
      return reduceCallControls(view, event);
  }
}

/** Whether the timer is counting: the call connected and has not ended. */
export function timerRunning(view: CallView): boolean {
  return view.connectedAt !== null && view.endedAt === null;
}

export function elapsedMs(view: CallView, now: number): number {
  return view.connectedAt === null ? 0 : (view.endedAt ?? now) - view.connectedAt;
}

/** What the one-to-one page's controls show, its hint included. */
export interface CallPageControls extends CallControls {
  hint: string;
}

export function callControls(view: CallView, characterName: string): CallPageControls {
  const hints: Record<CallState, string> = {
    idle: 'Press Start call and allow the microphone.',
    connecting: 'Connecting…',
    // While the character is not there, the presence banner says why and for how long.
    connected: view.agentPresent ? `${characterName} is on the line. Say hello!` : 'Connected.',
    reconnecting: 'The connection dropped; reconnecting…',
    disconnected: 'The call has ended.',
  };
  return { ...controlsOf(view, 'Start call'), hint: hints[view.state] };
}
