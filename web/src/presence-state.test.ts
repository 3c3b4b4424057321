import { describe, expect, it } from 'vitest';
import type { AgentPresence } from '../../protocol/index.ts';
import {
  broadcastCast,
  broadcastPresenceEvents,
  formatWait,
  initialPresenceState,
  listNames,
  presenceView,
  reducePresence,
  wantsPoll,
  wantsTick,
} from './presence-state.ts';
import type { PresenceEvent, PresenceMember, PresenceState, SessionPresence } from './presence-state.ts';

const june: PresenceMember = { id: 'june', name: 'June' };
const milo: PresenceMember = { id: 'milo', name: 'Milo' };
const ada: PresenceMember = { id: 'ada', name: 'Ada' };

function run(events: PresenceEvent[], from: PresenceState): PresenceState {
  return events.reduce(reducePresence, from);
}

const agent = (a: Partial<AgentPresence>): AgentPresence => ({
  state: 'waiting',
  attempts: 1,
  waitingSince: '2025-01-01T00:00:00.000Z',
  reason: null,
  ...a,
});
const polled = (at: number, session: SessionPresence, sentAt = at - 100): PresenceEvent => ({
  type: 'polled',
  session,
  sentAt,
  at,
});
const waiting = (a: Partial<AgentPresence> = {}): SessionPresence => ({ status: 'created', agent: agent(a) });
const failed = (reason: string): SessionPresence => ({
  status: 'failed',
  agent: agent({ state: 'failed', attempts: 4, waitingSince: null, reason }),
});
const NO_WORKER = 'No agent worker took the call after 4 tries. Is the agent worker running?';

describe('presence of a 1:1 call', () => {
  const start = run([{ type: 'started', at: 1000 }], initialPresenceState([june]));

  it('when the call starts, then the page waits for the character and counts the seconds', () => {
    const s = run([{ type: 'tick', at: 13_400 }], start);
    expect(presenceView(s)).toMatchObject({
      phase: 'waiting',
      message: 'Waiting for June…',
      elapsed: '12 s',
      elapsedMs: 12_400,
      canRetry: false,
    });
    expect(presenceView(s).members).toEqual([{ ...june, presence: 'waiting', label: 'Waiting… 12 s' }]);
    expect(wantsPoll(s)).toBe(true);
    expect(wantsTick(s)).toBe(true);
  });

  it('when the API dispatched again, then the banner says which attempt it is on', () => {
    const s = run([polled(8000, waiting({ attempts: 2 }))], start);
    expect(presenceView(s)).toMatchObject({ phase: 'waiting', detail: 'Still trying (attempt 2).' });
  });

  it('when the character joins the room, then the banner goes and polling stops, whatever the API said', () => {
    const s = run([polled(2000, waiting()), { type: 'joined', id: 'june', at: 2500 }], start);
    expect(presenceView(s).phase).toBe('hidden');
    expect(presenceView(s).members[0]).toMatchObject({ presence: 'here', label: null });
    expect(wantsPoll(s)).toBe(false);
    expect(wantsTick(s)).toBe(false);
    // A late answer that still says waiting does not bring the banner back.
    expect(presenceView(run([polled(3000, waiting())], s)).phase).toBe('hidden');
  });

  it('when the session failed, then the reason shows with Retry and polling stops', () => {
    const s = run([polled(30_000, failed(NO_WORKER))], start);
    expect(presenceView(s)).toMatchObject({
      phase: 'failed',
      message: NO_WORKER,
      elapsed: null,
      canRetry: true,
    });
    expect(presenceView(s).members[0]).toMatchObject({ presence: 'failed', label: 'Did not arrive' });
    expect(wantsPoll(s)).toBe(false);
    expect(wantsTick(s)).toBe(false);
  });

  it('when the failed session gives no reason, then the page says who did not arrive', () => {
    const s = run([polled(30_000, { status: 'failed' })], start);
    expect(presenceView(s).message).toBe('June did not arrive.');
  });

  it('when Retry is clicked and answered, then the page waits again from zero and polls again', () => {
    const clicked = run([polled(30_000, failed(NO_WORKER)), { type: 'retryClicked', at: 31_000 }], start);
    expect(presenceView(clicked)).toMatchObject({ phase: 'retrying', message: 'Asking June to come again…' });
    expect(wantsPoll(clicked)).toBe(false);
    const answered = run(
      [
        { type: 'retryAnswered', result: { ok: true, session: waiting({ attempts: 1 }) }, at: 31_200 },
        { type: 'tick', at: 33_300 },
      ],
      clicked,
    );
    expect(presenceView(answered)).toMatchObject({ phase: 'waiting', elapsed: '2 s', canRetry: false });
    expect(wantsPoll(answered)).toBe(true);
  });

  it('when a poll sent before Retry answers after it, then its stale "failed" is dropped', () => {
    const s = run(
      [
        polled(30_000, failed(NO_WORKER)),
        { type: 'retryClicked', at: 31_000 },
        { type: 'retryAnswered', result: { ok: true, session: waiting() }, at: 31_200 },
        polled(31_300, failed(NO_WORKER), 30_900),
      ],
      start,
    );
    expect(presenceView(s).phase).toBe('waiting');
  });

  it('when Retry meets a session that has ended, then the page says so and offers no Retry', () => {
    const s = run(
      [
        polled(30_000, failed(NO_WORKER)),
        { type: 'retryClicked', at: 31_000 },
        {
          type: 'retryAnswered',
          result: { ok: false, message: 'This call has already ended.', final: true },
          at: 31_100,
        },
      ],
      start,
    );
    expect(presenceView(s)).toMatchObject({
      phase: 'ended',
      message: 'This call has already ended.',
      canRetry: false,
    });
    expect(wantsPoll(s)).toBe(false);
  });

  it('when Retry fails on the way, then the reason stays with the error beneath and Retry again', () => {
    const s = run(
      [
        polled(30_000, failed(NO_WORKER)),
        { type: 'retryClicked', at: 31_000 },
        {
          type: 'retryAnswered',
          result: { ok: false, message: 'Could not reach the Troupe server.', final: false },
          at: 31_100,
        },
      ],
      start,
    );
    expect(presenceView(s)).toMatchObject({
      phase: 'failed',
      message: NO_WORKER,
      detail: 'Could not reach the Troupe server.',
      canRetry: true,
    });
  });

  it('when the character leaves mid-call, then "left" until the API says it is bringing them back', () => {
    const joined = run([{ type: 'joined', id: 'june', at: 2000 }, polled(2100, waiting())], start);
    const gone = run([{ type: 'left', id: 'june', at: 60_000 }], joined);
    expect(presenceView(gone)).toMatchObject({ phase: 'left', message: 'June left.' });
    expect(wantsPoll(gone)).toBe(true);
    // An answer to a poll sent before the leave still says "joined": it is dropped.
    const stale = run(
      [polled(60_100, { status: 'active', agent: agent({ state: 'joined' }) }, 59_900)],
      gone,
    );
    expect(stale.api).toBeNull();
    const back = run(
      [
        polled(61_500, {
          status: 'active',
          agent: agent({
            state: 'waiting',
            attempts: 0,
            reason: "the character's process stopped; bringing it back",
          }),
        }),
        { type: 'tick', at: 65_000 },
      ],
      stale,
    );
    expect(presenceView(back)).toMatchObject({
      phase: 'returning',
      message: 'June left; bringing them back…',
      detail: "The character's process stopped; bringing it back",
      elapsed: '5 s',
    });
    expect(presenceView(back).members[0]).toMatchObject({
      presence: 'returning',
      label: 'Left; coming back…',
    });
    const returned = run([{ type: 'joined', id: 'june', at: 70_000 }], back);
    expect(presenceView(returned).phase).toBe('hidden');
    expect(wantsPoll(returned)).toBe(false);
  });

  it('when the page leaves the room, then nothing is shown or polled, and answers after it are ignored', () => {
    const s = run([{ type: 'stopped', at: 5000 }, polled(5100, waiting(), 4900)], start);
    expect(presenceView(s).phase).toBe('hidden');
    expect(wantsPoll(s)).toBe(false);
    expect(wantsTick(s)).toBe(false);
  });

  it('when a failed call closes, then its reason stays but Retry goes', () => {
    const s = run([polled(30_000, failed(NO_WORKER)), { type: 'stopped', at: 31_000 }], start);
    expect(presenceView(s)).toMatchObject({ phase: 'failed', message: NO_WORKER, canRetry: false });
    expect(presenceView(run([{ type: 'started', at: 40_000 }], s)).phase).toBe('waiting');
  });

  it('when the API says the session is over, then the page stops asking', () => {
    const s = run([polled(3000, { status: 'ended', agent: agent({ state: 'none' }) })], start);
    expect(presenceView(s).phase).toBe('ended');
    expect(wantsPoll(s)).toBe(false);
  });
});

describe('presence of a group call', () => {
  const start = run([{ type: 'started', at: 0 }], initialPresenceState([june, milo, ada]));

  it('when nobody is in yet, then the page waits for the whole cast by name', () => {
    expect(presenceView(run([{ type: 'tick', at: 3000 }], start))).toMatchObject({
      message: 'Waiting for June, Milo and Ada…',
      elapsed: '3 s',
    });
  });

  it('when some characters are in, then the banner names only the others and each has its line', () => {
    const s = run(
      [
        { type: 'joined', id: 'milo', at: 1000 },
        { type: 'joined', id: 'stranger', at: 1000 },
        { type: 'tick', at: 4000 },
      ],
      start,
    );
    expect(presenceView(s).message).toBe('Waiting for June and Ada…');
    expect(presenceView(s).members.map((m) => [m.id, m.presence, m.label])).toEqual([
      ['june', 'waiting', 'Waiting… 4 s'],
      ['milo', 'here', null],
      ['ada', 'waiting', 'Waiting… 4 s'],
    ]);
    expect(wantsPoll(s)).toBe(true);
    const all = run(
      [
        { type: 'joined', id: 'june', at: 5000 },
        { type: 'joined', id: 'ada', at: 5000 },
      ],
      s,
    );
    expect(presenceView(all).phase).toBe('hidden');
    expect(wantsPoll(all)).toBe(false);
  });

  it('when the job dies and every character leaves, then all of them are being brought back', () => {
    const s = run(
      [
        ...[june, milo, ada].map((c): PresenceEvent => ({ type: 'joined', id: c.id, at: 1000 })),
        ...[june, milo, ada].map((c): PresenceEvent => ({ type: 'left', id: c.id, at: 9000 })),
        polled(10_000, { status: 'active', agent: agent({ state: 'waiting', attempts: 1 }) }),
      ],
      start,
    );
    expect(presenceView(s)).toMatchObject({
      phase: 'returning',
      message: 'June, Milo and Ada left; bringing them back…',
    });
  });

  it('when a join repeats (attributes changed), then the state does not change', () => {
    const s = run([{ type: 'joined', id: 'june', at: 1000 }], start);
    expect(reducePresence(s, { type: 'joined', id: 'june', at: 2000 })).toBe(s);
  });
});

describe('presence of a broadcast', () => {
  function follow(statuses: Array<[number, 'idle' | 'starting' | 'live' | 'failed' | 'ended']>) {
    let s = initialPresenceState(broadcastCast);
    let previous: 'idle' | 'starting' | 'live' | 'failed' | 'ended' | null = null;
    for (const [at, status] of statuses) {
      const lastError = status === 'failed' ? 'the characters did not join' : null;
      s = run(broadcastPresenceEvents(previous, { status, lastError }, at), s);
      previous = status;
    }
    return s;
  }

  it('when it is starting, then the page waits for the characters with the elapsed time', () => {
    const s = run(
      [{ type: 'tick', at: 7000 }],
      follow([
        [0, 'idle'],
        [1000, 'starting'],
        [3000, 'starting'],
      ]),
    );
    expect(presenceView(s)).toMatchObject({
      phase: 'waiting',
      message: 'Waiting for the characters…',
      elapsed: '6 s',
    });
  });

  it('when it goes live, then the wait ends', () => {
    expect(
      presenceView(
        follow([
          [0, 'starting'],
          [4000, 'live'],
        ]),
      ).phase,
    ).toBe('hidden');
  });

  it('when it fails, live or not, then lastError shows with Retry', () => {
    for (const s of [
      follow([
        [0, 'starting'],
        [9000, 'failed'],
      ]),
      follow([
        [0, 'live'],
        [9000, 'failed'],
      ]),
    ])
      expect(presenceView(s)).toMatchObject({
        phase: 'failed',
        message: 'The characters did not join',
        canRetry: true,
      });
  });

  it('when a failed broadcast starts again, then it waits from zero', () => {
    const s = run(
      [{ type: 'tick', at: 12_000 }],
      follow([
        [0, 'failed'],
        [10_000, 'starting'],
      ]),
    );
    expect(presenceView(s)).toMatchObject({ phase: 'waiting', elapsed: '2 s' });
  });

  it('when the same status is read again, then nothing happens', () => {
    expect(broadcastPresenceEvents('starting', { status: 'starting', lastError: null }, 5)).toEqual([]);
  });
});

describe('presence wording', () => {
  it('lists names the way a sentence does', () => {
    expect(listNames(['June'])).toBe('June');
    expect(listNames(['June', 'Milo'])).toBe('June and Milo');
    expect(listNames(['June', 'Milo', 'Ada'])).toBe('June, Milo and Ada');
  });

  it('counts whole seconds, never below zero', () => {
    expect(formatWait(999)).toBe('0 s');
    expect(formatWait(61_000)).toBe('61 s');
    expect(formatWait(-5)).toBe('0 s');
  });
});
