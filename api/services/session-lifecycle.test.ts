import { describe, expect, it } from 'vitest';
import {
  type LifecycleEvent,
  type LifecycleState,
  type LifecycleWrite,
  type Transition,
  transition,
} from './session-lifecycle.ts';

const states = {
  created: { status: 'created', started: false, ended: false, agentJoined: false },
  /** Live, its agent in the room. */
  active: { status: 'active', started: true, ended: false, agentJoined: true },
  /** Live, its agent lost or not joined yet. */
  waiting: { status: 'active', started: true, ended: false, agentJoined: false },
  ended: { status: 'ended', started: true, ended: true, agentJoined: false },
  /** Ended before its room ever opened. */
  endedUnstarted: { status: 'ended', started: false, ended: true, agentJoined: false },
  /** No agent came; the room may still be open. */
  failed: { status: 'failed', started: false, ended: false, agentJoined: false },
  failedStarted: { status: 'failed', started: true, ended: false, agentJoined: false },
  /** No agent came, then the room closed. */
  failedClosed: { status: 'failed', started: false, ended: true, agentJoined: false },
} satisfies Record<string, LifecycleState>;
type StateName = keyof typeof states;

const reason = 'No agent worker took the call.';
const events = {
  roomStarted: { type: 'roomStarted' },
  agentReported: { type: 'agentReported' },
  end: { type: 'end' },
  roomFinished: { type: 'roomFinished' },
  agentFailed: { type: 'agentFailed', reason },
  retry: { type: 'retry' },
} satisfies Record<LifecycleEvent['type'], LifecycleEvent>;
type EventName = keyof typeof events;

const to = (status: LifecycleState['status'], write: LifecycleWrite = {}): Transition => ({
  kind: 'next',
  status,
  write,
});
const refused = (why: string): Transition => ({ kind: 'refused', why });
const started: LifecycleWrite = { startedAt: 'now' };
const ends: LifecycleWrite = {
  endedAt: 'now',
  durationMs: 'measured',
  nextCheckAt: null,
  agentWaitingSince: null,
};
const fails: LifecycleWrite = { nextCheckAt: null, agentReason: reason };
const waitsAgain: LifecycleWrite = {
  agentIdentity: null,
  agentWaitingSince: 'now',
  dispatchAttempts: 0,
  nextCheckAt: 'now',
  agentReason: null,
};

// The whole table: state × event → next status and columns, or a refusal.
const table: Array<[StateName, EventName, Transition]> = [
  // The room opens: active, startedAt set once.
  ['created', 'roomStarted', to('active', started)],
  ['active', 'roomStarted', to('active')],
  ['ended', 'roomStarted', refused('session ended')],
  ['failed', 'roomStarted', refused('session failed')],
  // The agent's report: as the room opening, but an ended or failed session stays so (and keeps a
  // null startedAt); never refused, as the report's providers are recorded whatever the state.
  ['created', 'agentReported', to('active', started)],
  ['active', 'agentReported', to('active')],
  ['endedUnstarted', 'agentReported', to('ended')],
  ['failed', 'agentReported', to('failed')],
  // An end on purpose: once; a failed session whose room is still open ends too.
  ['created', 'end', to('ended', ends)],
  ['active', 'end', to('ended', ends)],
  ['failed', 'end', to('ended', ends)],
  ['ended', 'end', refused('already ended')],
  ['failedClosed', 'end', refused('already ended')],
  // The room closes: once; a failed session keeps saying so.
  ['created', 'roomFinished', to('ended', ends)],
  ['active', 'roomFinished', to('ended', ends)],
  ['failed', 'roomFinished', to('failed', ends)],
  ['ended', 'roomFinished', refused('already ended')],
  // No agent came: only a live session without an agent fails.
  ['created', 'agentFailed', to('failed', fails)],
  ['waiting', 'agentFailed', to('failed', fails)],
  ['active', 'agentFailed', refused('an agent is in the room')],
  ['ended', 'agentFailed', refused('session ended')],
  ['failed', 'agentFailed', refused('session failed')],
  // Retry: anything but an ended session waits for its agent from scratch, created or active
  // by whether it ever started. A failed session whose room closed keeps its endedAt.
  ['failed', 'retry', to('created', waitsAgain)],
  ['failedStarted', 'retry', to('active', waitsAgain)],
  ['failedClosed', 'retry', to('created', waitsAgain)],
  ['active', 'retry', to('active', waitsAgain)],
  ['ended', 'retry', refused('session ended')],
];

describe('transition', () => {
  it.each(table)(
    'when a %s session meets %s, then it answers as the table says',
    (state, event, expected) => {
      expect(transition(states[state], events[event])).toEqual(expected);
    },
  );

  it('when any event meets an ended session, then its status and columns stay as they are', () => {
    for (const event of Object.values(events)) {
      const next = transition(states.ended, event);
      if (next.kind === 'next') expect(next).toEqual(to('ended'));
    }
  });
});
