import { describe, expect, it } from 'vitest';
import {
  callControls,
  controlsCallbacks,
  controlsOf,
  elapsedMs,
  initialCallControls,
  initialCallView,
  reduceCallControls,
  reduceCallView,
  timerRunning,
} from './call-state.ts';
import type { CallControlsEvent, CallView, CallViewEvent } from './call-state.ts';

function run(events: CallViewEvent[], from: CallView = initialCallView): CallView {
  return events.reduce(reduceCallView, from);
}

const at = (state: CallView['state'], ms: number): CallViewEvent => ({ type: 'state', state, at: ms });

describe('reduceCallView: the timer', () => {
  it('when the call connects, then the timer runs from that moment and counts on', () => {
    const v = run([{ type: 'started' }, at('connecting', 0), at('connected', 1_000)]);
    expect(timerRunning(v)).toBe(true);
    expect(elapsedMs(v, 4_500)).toBe(3_500);
  });

  it('when the link drops and comes back, then the timer keeps its start', () => {
    const v = run([at('connected', 1_000), at('reconnecting', 2_000), at('connected', 3_000)]);
    expect(v.connectedAt).toBe(1_000);
    expect(elapsedMs(v, 10_000)).toBe(9_000);
  });

  it('when a connected call ends, then the timer stops at the end', () => {
    const v = run([at('connected', 1_000), at('disconnected', 61_000)]);
    expect(timerRunning(v)).toBe(false);
    expect(elapsedMs(v, 999_000)).toBe(60_000);
  });

  it('when a call fails before it connects, then the timer never ran and shows nothing', () => {
    const v = run([at('connecting', 0), at('idle', 500)]);
    expect(v.endedAt).toBeNull();
    expect(elapsedMs(v, 10_000)).toBe(0);
  });

  it('when the caller calls again, then the timer, the mute and the character start afresh', () => {
    const ended = run([
      at('connected', 1_000),
      { type: 'agent', present: true },
      { type: 'muted', muted: true },
      { type: 'ending' },
      at('disconnected', 5_000),
    ]);
    const again = run([{ type: 'started' }], ended);
    expect(again).toEqual({ ...initialCallView, state: 'disconnected' });
    expect(callControls(again, 'June').startLabel).toBe('Call again');
  });
});

describe('callControls', () => {
  it('when connecting, then Mute is shown but not yet usable and End is', () => {
    const c = callControls(run([at('connecting', 0)]), 'June');
    expect(c).toMatchObject({ inCall: true, muteEnabled: false, endEnabled: true, hint: 'Connecting…' });
  });

  it('when connected, then the hint waits for the character and then invites the caller to speak', () => {
    const connected = run([at('connected', 0)]);
    expect(callControls(connected, 'June').hint).toBe('Connected.');
    const here = reduceCallView(connected, { type: 'agent', present: true });
    expect(callControls(here, 'June').hint).toBe('June is on the line. Say hello!');
  });

  it('when End was pressed, then End stays disabled until the call is over', () => {
    const v = run([at('connected', 0), { type: 'ending' }, { type: 'muted', muted: true }]);
    expect(callControls(v, 'June')).toMatchObject({ endEnabled: false, muteLabel: 'Unmute' });
  });

  it('when idle, then only Start call shows', () => {
    expect(callControls(initialCallView, 'June')).toMatchObject({
      inCall: false,
      startLabel: 'Start call',
      endEnabled: false,
      hint: 'Press Start call and allow the microphone.',
    });
  });
});

describe('reduceCallControls: what both call pages share', () => {
  const blocked: CallViewEvent = { type: 'audioBlocked', blocked: true };

  it('when playback is blocked in a call and the call ends, then the audio button goes with it', () => {
    const inCall = run([at('connected', 0), blocked]);
    expect(inCall.audioBlocked).toBe(true);
    expect(run([at('reconnecting', 1)], inCall).audioBlocked).toBe(true);
    expect(run([at('disconnected', 2)], inCall).audioBlocked).toBe(false);
  });

  it('when an error is shown and the caller starts again, then the error is cleared', () => {
    const failed = run([at('connecting', 0), { type: 'failed', error: { code: 'client', message: 'No.' } }]);
    expect(failed.error).toEqual({ code: 'client', message: 'No.' });
    expect(run([at('idle', 1), { type: 'started' }], failed).error).toBeNull();
  });

  it('when leaving settles (done or failed), then End can be pressed again', () => {
    const ending = run([at('connected', 0), { type: 'ending' }]);
    expect(callControls(ending, 'June').endEnabled).toBe(false);
    expect(callControls(run([{ type: 'endSettled' }], ending), 'June').endEnabled).toBe(true);
  });

  it('when the group page names its start button, then Call again still replaces it after a call', () => {
    expect(controlsOf(initialCallControls, 'Join the call').startLabel).toBe('Join the call');
    const ended = reduceCallControls(initialCallControls, { type: 'state', state: 'disconnected', at: 0 });
    expect(controlsOf(ended, 'Join the call').startLabel).toBe('Call again');
  });
});

describe('reduceCallView: what the one-to-one page shows besides its controls', () => {
  const offline = { offline: true, providers: null };

  it('when the caller calls again, then the transcript and the agent status start afresh, the voice level and speaking stay until the room says', () => {
    const ended = run([
      at('connected', 0),
      { type: 'agentStatus', status: offline },
      { type: 'speaking', agent: true, local: false },
      { type: 'level', level: 0.2, max: 0.3 },
      {
        type: 'transcript',
        event: {
          type: 'streamOpened',
          streamId: 's',
          segmentId: 'seg',
          final: true,
          speaker: { role: 'user', identity: 'me', name: 'You' },
        },
      },
      at('disconnected', 1_000),
    ]);
    expect(ended.transcript.lines).toHaveLength(1);
    expect(ended.agentStatus).toEqual(offline);
    const again = run([{ type: 'started' }], ended);
    expect(again.transcript).toEqual(initialCallView.transcript);
    expect(again.agentStatus).toEqual({ offline: false, providers: null });
    expect(again.speaking).toEqual({ agent: true, local: false });
    expect(again.level).toEqual({ level: 0.2, max: 0.3 });
  });
});

describe('controlsCallbacks', () => {
  it('when the room reports mute, blocked playback and a remote end, then each becomes a controls event', () => {
    const events: CallControlsEvent[] = [];
    const cb = controlsCallbacks((e) => events.push(e));
    cb.onMuted(true);
    cb.onAudioBlocked(true);
    cb.onEndedRemotely('The call was ended by the server.');
    expect(events).toEqual([
      { type: 'muted', muted: true },
      { type: 'audioBlocked', blocked: true },
      { type: 'failed', error: { code: 'client', message: 'The call was ended by the server.' } },
    ]);
  });
});
