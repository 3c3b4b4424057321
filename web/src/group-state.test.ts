import { describe, expect, it } from 'vitest';
import type { FloorMessage } from '../../protocol/index.ts';
import { testFloorMessage } from '../../protocol/testing.ts';
import {
  arrivals,
  castIdentity,
  castStatus,
  castView,
  initialGroupCall,
  initialGroupState,
  parseFloorMessage,
  peopleView,
  reduceGroup,
  reduceGroupCall,
  resolveGroupSpeaker,
} from './group-state.ts';
import type { CastMember, GroupCallEvent, GroupCallState, GroupEvent, GroupState } from './group-state.ts';
import type { PresenceView } from './presence-state.ts';
import { visibleLines } from './transcript.ts';

const cast: CastMember[] = [
  { id: 'june', name: 'June Ray', avatarUrl: '/avatars/june.svg' },
  { id: 'walt', name: 'Walt', avatarUrl: '/avatars/walt.svg' },
];

function run(events: GroupEvent[], from: GroupState = initialGroupState(cast)): GroupState {
  return events.reduce((s, e) => reduceGroup(s, e), from);
}

const joined = (
  identity: string,
  name: string,
  extra: Partial<GroupEvent & { type: 'participantJoined' }> = {},
) => ({ type: 'participantJoined', identity, name, isLocal: false, ...extra }) as GroupEvent;

function floor(seq: number, m: Partial<FloorMessage>): GroupEvent {
  return { type: 'floor', message: testFloorMessage({ seq, ...m }) };
}

const speaking = (s: GroupState, now: number) =>
  Object.fromEntries(castView(s, now).map((c) => [c.id, c.speaking]));

describe('group call view state', () => {
  it('when characters and people join, then characters are marked present and only people are listed, the job in neither', () => {
    const s = run([
      joined('host', 'Host', { isLocal: true }),
      joined(castIdentity('june'), 'June Ray', { characterId: 'june' }),
      joined('agent-job', '', { characterId: 'someone-else' }),
      joined('guest-1', ''),
    ]);
    expect(castView(s, 0).map((c) => [c.id, c.present])).toEqual([
      ['june', true],
      ['walt', false],
    ]);
    expect(peopleView(s, 0).map((p) => [p.identity, p.name, p.isLocal])).toEqual([
      ['host', 'Host', true],
      ['guest-1', 'guest-1', false],
    ]);
  });

  it('when a character leaves, then it is no longer present and no longer lit', () => {
    const s = run([
      joined(castIdentity('walt'), 'Walt', { characterId: 'walt' }),
      { type: 'activeSpeakers', identities: [castIdentity('walt')] },
      { type: 'participantLeft', identity: castIdentity('walt') },
    ]);
    expect(castView(s, 0).find((c) => c.id === 'walt')).toMatchObject({ present: false, speaking: false });
  });

  it('when LiveKit lists a character among the active speakers, then only that avatar is lit', () => {
    const s = run([{ type: 'activeSpeakers', identities: [castIdentity('june'), 'host'] }]);
    expect(speaking(s, 0)).toEqual({ june: true, walt: false });
    expect(run([{ type: 'activeSpeakers', identities: [] }], s).activeSpeakers).toEqual([]);
  });

  it('when a character track is measured above the threshold, then it stays lit for the hold time and then goes dark', () => {
    const s = run([
      { type: 'level', identity: castIdentity('walt'), level: 0.2, at: 1000 },
      { type: 'level', identity: castIdentity('walt'), level: 0.001, at: 1050 },
      { type: 'level', identity: castIdentity('june'), level: 0.005, at: 1050 },
    ]);
    expect(speaking(s, 1100)).toEqual({ june: false, walt: true });
    expect(speaking(s, 1399)).toEqual({ june: false, walt: true });
    expect(speaking(s, 1400)).toEqual({ june: false, walt: false });
  });

  it('when floor messages arrive out of order, then the older one is dropped', () => {
    const s = run([
      floor(3, { state: 'character', speaker: 'june', next: 'walt' }),
      floor(2, { state: 'character', speaker: 'walt' }),
    ]);
    expect(castView(s, 0).map((c) => [c.id, c.holdsFloor, c.next])).toEqual([
      ['june', true, false],
      ['walt', false, true],
    ]);
    const open = run([floor(4, { state: 'open' })], s);
    expect(castView(open, 0).every((c) => !c.holdsFloor)).toBe(true);
    expect(open.floor?.state).toBe('open');
  });

  it('when holding the floor without being audible, then the character is not speaking', () => {
    const s = run([floor(1, { state: 'character', speaker: 'june' })]);
    expect(castView(s, 0)[0]).toMatchObject({ holdsFloor: true, speaking: false });
  });

  it('when transcription streams arrive from a character, the local person and a guest, then each line names its speaker', () => {
    let s = run([joined('host', 'Host', { isLocal: true }), joined('guest-1', 'Guest')]);
    const ctx = (senderIdentity: string) => ({
      senderIdentity,
      transcribedTrackId: undefined,
      localIdentity: 'host',
      localTrackSids: new Set<string>(),
    });
    const say = (streamId: string, sender: string, text: string): GroupEvent[] => [
      {
        type: 'transcript',
        event: {
          type: 'streamOpened',
          streamId,
          segmentId: streamId,
          final: true,
          speaker: resolveGroupSpeaker(s, ctx(sender)),
        },
      },
      { type: 'transcript', event: { type: 'streamChunk', streamId, text } },
      { type: 'transcript', event: { type: 'streamClosed', streamId } },
    ];
    for (const [id, sender, text] of [
      ['a', 'host', 'june what do you like to do'],
      ['b', castIdentity('june'), 'I like telescopes.'],
      ['c', 'guest-1', 'me too'],
      ['d', 'stranger', 'hi'],
    ] as const)
      s = run(say(id, sender, text), s);
    expect(visibleLines(s.transcript).map((l) => [l.speakerName, l.role, l.text, l.final])).toEqual([
      ['You', 'user', 'june what do you like to do', true],
      ['June Ray', 'assistant', 'I like telescopes.', true],
      ['Guest', 'user', 'me too', true],
      ['stranger', 'user', 'hi', true],
    ]);
  });

  it('when a stream names one of the local tracks, then it is the local person even if sent by the job', () => {
    const s = initialGroupState(cast);
    const who = resolveGroupSpeaker(s, {
      senderIdentity: 'agent-job',
      transcribedTrackId: 'TR_mic',
      localIdentity: 'host',
      localTrackSids: new Set(['TR_mic']),
    });
    expect(who).toEqual({ role: 'user', identity: 'host', name: 'You' });
  });

  it('when the call is reset, then the cast stays and everything else is cleared', () => {
    const s = run([
      joined('host', 'Host', { isLocal: true }),
      floor(1, { state: 'human' }),
      { type: 'reset' },
    ]);
    expect(s).toEqual(initialGroupState(cast));
  });
});

describe('floor messages from the data channel', () => {
  const bytes = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
  const valid: FloorMessage = {
    type: 'floor',
    seq: 7,
    state: 'character',
    speaker: 'june',
    next: null,
    humans: [],
    reason: 'mention',
    replyTo: 'host',
  };

  it('when a floor message arrives, then it is read', () => {
    expect(parseFloorMessage(bytes(valid))).toEqual(valid);
  });

  it.each([
    ['not JSON', '{'],
    ['a speaking message', { type: 'speaking', speaker: 'june', role: 'character', speaking: true }],
    ['an unknown state', { ...valid, state: 'shouting' }],
    ['a negative seq', { ...valid, seq: -1 }],
    ['a numeric speaker', { ...valid, speaker: 3 }],
    ['no humans list', { ...valid, humans: undefined }],
    ['null', null],
  ])('when the payload is %s, then it is ignored', (_what, payload) => {
    expect(parseFloorMessage(bytes(payload))).toBeNull();
  });
});

describe('group call page state', () => {
  const arrival: PresenceView = {
    phase: 'hidden',
    message: '',
    elapsed: null,
    elapsedMs: 0,
    detail: null,
    canRetry: false,
    members: [],
  };
  const page = (events: GroupCallEvent[], from = initialGroupCall(cast, arrival)): GroupCallState =>
    events.reduce((s, e) => reduceGroupCall(s, e), from);
  const room = (event: GroupEvent): GroupCallEvent => ({ type: 'room', event });

  it('when the owner asks for an invite, then the button waits, the link shows, and the note says whether it was copied', () => {
    const asked = page([{ type: 'session', sessionId: 's1' }, { type: 'inviteRequested' }]);
    expect(asked.invite).toEqual({ url: null, note: '', copied: null, pending: true });
    const made = page([{ type: 'inviteCreated', url: 'http://x/#/join/abcdefgh' }], asked);
    expect(made.invite.url).toBe('http://x/#/join/abcdefgh');
    const copied = page(
      [{ type: 'inviteCopied', copied: true, until: '10:30' }, { type: 'inviteSettled' }],
      made,
    );
    expect(copied.invite).toMatchObject({ copied: true, pending: false });
    expect(copied.invite.note).toBe('Invite link copied. It works until 10:30.');
    const byHand = page([{ type: 'inviteCopied', copied: false, until: '10:30' }], made);
    expect(byHand.invite.note).toBe('Copy the link above to invite someone. It works until 10:30.');
  });

  it('when the owner calls again, then the room, the session, the link and the error are cleared and the cast stays', () => {
    const ended = page([
      { type: 'session', sessionId: 's1' },
      { type: 'state', state: 'connected', at: 0 },
      room(joined('host', 'Host', { isLocal: true })),
      { type: 'muted', muted: true },
      { type: 'inviteCreated', url: 'http://x/#/join/abcdefgh' },
      { type: 'inviteCopied', copied: true, until: '10:30' },
      { type: 'failed', error: { code: 'client', message: 'Lost.' } },
      { type: 'state', state: 'disconnected', at: 1 },
    ]);
    const again = page([{ type: 'started' }], ended);
    expect(again.room).toEqual(initialGroupState(cast));
    expect(again).toMatchObject({ state: 'disconnected', sessionId: null, muted: false, error: null });
    expect(again.invite).toMatchObject({ url: null, note: '' });
  });

  it('when characters join and leave the room, then arrivals names who changed, for the presence watch', () => {
    const s0 = initialGroupState(cast);
    const s1 = reduceGroup(s0, joined(castIdentity('june'), 'June Ray', { characterId: 'june' }));
    expect(arrivals(s0, s1)).toEqual([['june', true]]);
    const s2 = reduceGroup(s1, joined('host', 'Host', { isLocal: true }));
    expect(arrivals(s1, s2)).toEqual([]);
    const s3 = reduceGroup(s2, { type: 'participantLeft', identity: castIdentity('june') });
    expect(arrivals(s2, s3)).toEqual([['june', false]]);
  });

  it('when a character is absent, speaking, thinking or next, then its status says so', () => {
    const s = run([
      joined(castIdentity('june'), 'June Ray', { characterId: 'june' }),
      joined(castIdentity('walt'), 'Walt', { characterId: 'walt' }),
      floor(1, { state: 'character', speaker: 'june', next: 'walt' }),
    ]);
    const [june, walt] = castView(s, 0);
    expect(june && castStatus(june, null)).toBe('Thinking…');
    expect(walt && castStatus(walt, null)).toBe('Up next');
    const absent = castView(initialGroupState(cast), 0)[0];
    expect(absent && castStatus(absent, 'Waiting…')).toBe('Waiting…');
    expect(absent && castStatus(absent, null)).toBe('Not here yet');
  });
});
