import { describe, expect, it } from 'vitest';
import { callControls, elapsedMs, initialCallView, reduceCallView, timerRunning } from './call-state.ts';
import type { CallView, CallViewEvent } from './call-state.ts';

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
