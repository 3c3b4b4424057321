import { describe, expect, it } from 'vitest';
import {
  type PresenceFacts,
  backoffAfter,
  decidePresence,
  defaultPresenceOptions,
} from './agent-presence.ts';
import type { RoomState } from './livekit.ts';

const T0 = 1_000_000;
const call = (over: Partial<PresenceFacts> = {}): PresenceFacts => ({
  status: 'active',
  broadcast: false,
  attempts: 1,
  createdAtMs: T0,
  everJoined: false,
  waitingSinceMs: T0,
  ...over,
});
const room = (over: Partial<Extract<RoomState, { exists: true }>> = {}): RoomState => ({
  exists: true,
  createdAtMs: T0 + 500,
  jobs: [],
  people: 1,
  ...over,
});
const noRoom: RoomState = { exists: false };

describe('decidePresence', () => {
  const cases: Array<[string, PresenceFacts, RoomState, number, ReturnType<typeof decidePresence>]> = [
    [
      'an ended session is left alone',
      call({ status: 'ended' }),
      room(),
      T0,
      { kind: 'idle', why: 'session ended' },
    ],
    [
      'a failed session is left alone',
      call({ status: 'failed' }),
      room(),
      T0,
      { kind: 'idle', why: 'session failed' },
    ],
    [
      'a call whose job a worker accepted is waited for, not dispatched again, while it starts',
      call({ acceptedAtMs: T0 + 1000 }),
      room(),
      T0 + 30_000,
      { kind: 'wait', untilMs: T0 + 31_000 },
    ],
    [
      'a call whose accepted job has not come within the grace is dispatched again',
      call({ acceptedAtMs: T0 + 1000 }),
      room(),
      T0 + 61_000,
      { kind: 'dispatch', attempt: 2, resume: false, nextCheckMs: T0 + 61_000 + 10_000 },
    ],
    [
      'a call whose caller has not opened the room yet is looked at again in a second',
      call({ status: 'created' }),
      noRoom,
      T0 + 5000,
      { kind: 'wait', untilMs: T0 + 6000 },
    ],
    [
      'a call whose room was never opened is ended after the window',
      call({ status: 'created' }),
      noRoom,
      T0 + 600_000,
      { kind: 'end', reason: 'Nobody joined the call.' },
    ],
    [
      'a call whose room vanished under its agent waits for the room to come back',
      call({ everJoined: true, attempts: 0, waitingSinceMs: T0 + 50_000 }),
      noRoom,
      T0 + 60_000,
      { kind: 'wait', untilMs: T0 + 61_000 },
    ],
    [
      'a call whose room did not come back is ended with the reason',
      call({ everJoined: true, attempts: 0, waitingSinceMs: T0 }),
      noRoom,
      T0 + 120_000,
      { kind: 'end', reason: 'The call’s room closed and nobody came back to it.' },
    ],
    [
      'a broadcast whose room is gone is dispatched (its room opened) again',
      call({ broadcast: true }),
      noRoom,
      T0 + 6000,
      { kind: 'dispatch', attempt: 2, resume: false, nextCheckMs: T0 + 6000 + 10_000 },
    ],
    [
      'an agent in the room has joined',
      call(),
      room({ jobs: ['agent-AJ_1'] }),
      T0 + 9000,
      { kind: 'joined', identity: 'agent-AJ_1' },
    ],
    [
      'a room with nobody in it waits for people to come back',
      call(),
      room({ people: 0 }),
      T0 + 9000,
      { kind: 'wait', untilMs: T0 + 10_000 },
    ],
    [
      'a broadcast needs no people to be dispatched again',
      call({ broadcast: true }),
      room({ people: 0 }),
      T0 + 9000,
      { kind: 'dispatch', attempt: 2, resume: false, nextCheckMs: T0 + 9000 + 10_000 },
    ],
    [
      "LiveKit's own first dispatch gets the whole timeout from when the room opened",
      call(),
      room(),
      T0 + 5000,
      { kind: 'wait', untilMs: T0 + 5500 },
    ],
    [
      'after the timeout the agent is dispatched again, and the wait doubles',
      call(),
      room(),
      T0 + 5500,
      { kind: 'dispatch', attempt: 2, resume: false, nextCheckMs: T0 + 5500 + 10_000 },
    ],
    [
      'a lost agent is dispatched again at once, to take the conversation up',
      call({ attempts: 0, everJoined: true }),
      room(),
      T0 + 60_000,
      { kind: 'dispatch', attempt: 1, resume: true, nextCheckMs: T0 + 60_000 + 5000 },
    ],
  ];
  it.each(cases)('when %s', (_name, session, state, now, expected) => {
    expect(decidePresence(session, state, now)).toEqual(expected);
  });

  it('when the last attempt has passed, then the session fails with a reason a person can read', () => {
    const d = decidePresence(call({ attempts: 4 }), room(), T0 + 60_000);
    expect(d.kind).toBe('fail');
    expect(d.kind === 'fail' && d.reason).toMatch(/No agent worker took the call after 4 tries/);
    const lost = decidePresence(call({ attempts: 4, everJoined: true }), room(), T0 + 60_000);
    expect(lost.kind === 'fail' && lost.reason).toMatch(
      /left the call and no agent worker could bring it back/,
    );
  });

  it('when dispatches repeat, then each waits twice as long as the one before, up to the cap', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffAfter(n, defaultPresenceOptions));
    expect(waits).toEqual([5000, 10_000, 20_000, 30_000, 30_000, 30_000, 30_000]);
  });
});
