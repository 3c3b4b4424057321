import { describe, expect, it } from 'vitest';
import { followedCharacter, tallySession, type EngagementTurn } from './tally.ts';

const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 9, 0, s));
let n = 0;
function turn(
  role: EngagementTurn['role'],
  speaker: string,
  text: string,
  from: number,
  to: number,
  more: Partial<EngagementTurn> = {},
): EngagementTurn {
  n += 1;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    role,
    speaker,
    text,
    interrupted: false,
    source: 'voice',
    startedAt: at(from),
    endedAt: at(to),
    ...more,
  };
}

// A group transcript; AFINN scores: love +3; no −1, stop −1, wrong −2; thanks +2, fun +4.
const transcript = [
  turn('assistant', 'ada', 'Hello there', 0, 2),
  turn('user', 'caller', 'I love engines', 5, 7), // follows Ada (3 s after her reply)
  turn('assistant', 'ada', 'Engines are', 8, 12, { interrupted: true }),
  turn('user', 'caller', 'No, stop, that is wrong', 11, 14), // a barge-in: follows Ada
  turn('assistant', 'ada', 'Sorry about that', 15, 20),
  turn('user', 'caller', 'Where is the station?', 75, 78), // 55 s after: no follow-up
  turn('user', 'caller', 'Say something, Bob', 80, 81, { source: 'autonomous' }), // not a person
  turn('assistant', 'bob', 'Hi all', 82, 84),
  turn('user', 'viewer', 'Thanks Bob, that was fun', 90, 92, { source: 'chat' }), // follows Bob
];

describe('a session tally', () => {
  it('when a transcript is tallied, then the counters are those worked out by hand', () => {
    const tally = tallySession(transcript);
    expect(tally.person).toEqual({
      personTurns: 4,
      personWords: 3 + 5 + 4 + 5,
      positiveTurns: 2,
      negativeTurns: 1,
      neutralTurns: 1,
      sentimentScore: 3 - 4 + 0 + 6,
      firstTurnAt: at(0),
      lastTurnAt: at(92),
    });
    expect(Object.fromEntries(tally.characters)).toEqual({
      ada: { replies: 3, interruptedReplies: 1, followUps: 2 },
      bob: { replies: 1, interruptedReplies: 0, followUps: 1 },
    });
    expect(Object.fromEntries(tally.terms)).toEqual({
      love: 1,
      engine: 1,
      stop: 1,
      wrong: 1,
      station: 1,
      bob: 1,
      fun: 1,
    });
    expect([...tally.follows.values()]).toEqual([null, 'ada', null, 'ada', null, null, null, null, 'bob']);
  });

  it('when the turns come in any order, then the tally is the same', () => {
    const shuffled = [...transcript].reverse();
    [shuffled[1], shuffled[4]] = [shuffled[4]!, shuffled[1]!];
    expect(tallySession(shuffled)).toEqual(tallySession(transcript));
  });

  it('when a person answers 30 s after a reply ends, then it is a follow-up; a moment later, not', () => {
    const reply = turn('assistant', 'ada', 'Well?', 0, 10);
    expect(followedCharacter(reply, turn('user', 'caller', 'yes', 40, 41))).toBe('ada');
    expect(
      followedCharacter(reply, {
        ...turn('user', 'caller', 'yes', 40, 41),
        startedAt: new Date(at(40).getTime() + 1),
      }),
    ).toBeNull();
    expect(followedCharacter(turn('user', 'x', 'hm', 0, 1), turn('user', 'caller', 'yes', 2, 3))).toBeNull();
    expect(followedCharacter(undefined, turn('user', 'caller', 'yes', 2, 3))).toBeNull();
  });
});
