import { describe, expect, it } from 'vitest';
import { emptyTranscript, reduceTranscript, resolveSpeaker, visibleLines } from './transcript.ts';
import type { Speaker, TranscriptEvent, TranscriptState } from './transcript.ts';

const you: Speaker = { role: 'user', identity: 'caller-1', name: 'You' };
const ada: Speaker = { role: 'assistant', identity: 'agent-1', name: 'Marigold Finch' };

function run(events: TranscriptEvent[], from: TranscriptState = emptyTranscript): TranscriptState {
  return events.reduce(reduceTranscript, from);
}

/** One stream as the caller's STT sends it: the whole text so far, in one chunk. */
function userInterim(streamId: string, segmentId: string, text: string, final = false): TranscriptEvent[] {
  return [
    { type: 'streamOpened', streamId, segmentId, final, speaker: you },
    { type: 'streamChunk', streamId, text },
    { type: 'streamClosed', streamId },
  ];
}

describe('reduceTranscript', () => {
  it('when the caller speaks, then interim streams replace each other and the final one settles the line', () => {
    let s = run(userInterim('s1', 'SG_a', 'hello'));
    expect(s.lines).toMatchObject([{ segmentId: 'SG_a', role: 'user', text: 'hello', final: false }]);
    s = run(userInterim('s2', 'SG_a', 'hello there'), s);
    expect(s.lines).toHaveLength(1);
    expect(s.lines[0]).toMatchObject({ text: 'hello there', final: false });
    s = run(userInterim('s3', 'SG_a', 'Hello there.', true), s);
    expect(s.lines).toEqual([
      {
        segmentId: 'SG_a',
        role: 'user',
        speakerIdentity: 'caller-1',
        speakerName: 'You',
        text: 'Hello there.',
        final: true,
        source: 'stream',
      },
    ]);
    expect(s.streams).toEqual({});
  });

  it('when the character speaks, then deltas accumulate in one stream and its close makes the line final', () => {
    let s = run([
      { type: 'streamOpened', streamId: 'a1', segmentId: 'SG_b', final: false, speaker: ada },
      { type: 'streamChunk', streamId: 'a1', text: 'Oh hello, ' },
      { type: 'streamChunk', streamId: 'a1', text: 'my love!' },
    ]);
    expect(s.lines[0]).toMatchObject({
      role: 'assistant',
      speakerName: 'Marigold Finch',
      text: 'Oh hello, my love!',
    });
    expect(s.lines[0]?.final).toBe(false);
    s = reduceTranscript(s, { type: 'streamClosed', streamId: 'a1' });
    expect(s.lines[0]?.final).toBe(true);
  });

  it('when the final arrives as a fresh stream after the delta stream, then the line keeps the full text', () => {
    const s = run([
      { type: 'streamOpened', streamId: 'a1', segmentId: 'SG_c', final: false, speaker: ada },
      { type: 'streamChunk', streamId: 'a1', text: 'Right then.' },
      { type: 'streamOpened', streamId: 'a2', segmentId: 'SG_c', final: true, speaker: ada },
      { type: 'streamClosed', streamId: 'a1' },
      { type: 'streamChunk', streamId: 'a2', text: 'Right then. Where to?' },
      { type: 'streamClosed', streamId: 'a2' },
    ]);
    expect(s.lines).toHaveLength(1);
    expect(s.lines[0]).toMatchObject({ text: 'Right then. Where to?', final: true });
  });

  it('when a late chunk of a superseded interim stream arrives, then it does not overwrite newer text', () => {
    const s = run([
      { type: 'streamOpened', streamId: 's1', segmentId: 'SG_d', final: false, speaker: you },
      { type: 'streamOpened', streamId: 's2', segmentId: 'SG_d', final: false, speaker: you },
      { type: 'streamChunk', streamId: 's2', text: 'what time is it' },
      { type: 'streamChunk', streamId: 's1', text: 'what' },
      { type: 'streamClosed', streamId: 's1' },
    ]);
    expect(s.lines[0]).toMatchObject({ text: 'what time is it', final: false });
  });

  it('when segments interleave, then lines keep the order in which each segment first appeared', () => {
    const s = run([
      ...userInterim('s1', 'SG_1', 'Hi', true),
      { type: 'streamOpened', streamId: 'a1', segmentId: 'SG_2', final: false, speaker: ada },
      ...userInterim('s2', 'SG_3', 'sorry, go on'),
      { type: 'streamChunk', streamId: 'a1', text: 'As I was saying' },
    ]);
    expect(s.lines.map((l) => [l.segmentId, l.role, l.text])).toEqual([
      ['SG_1', 'user', 'Hi'],
      ['SG_2', 'assistant', 'As I was saying'],
      ['SG_3', 'user', 'sorry, go on'],
    ]);
  });

  it('when a stream has opened but sent nothing yet, then its line is not visible', () => {
    const s = run([{ type: 'streamOpened', streamId: 'a1', segmentId: 'SG_e', final: false, speaker: ada }]);
    expect(s.lines).toHaveLength(1);
    expect(visibleLines(s)).toEqual([]);
  });

  it('when legacy segments arrive before any text stream, then they show, and the first stream replaces them', () => {
    // Symptom guarded: every utterance appeared twice, once per transport, under different segment ids.
    let s = run([
      {
        type: 'legacySegments',
        speaker: ada,
        segments: [{ id: 'L1', text: 'Ahoy there', final: false }],
      },
      {
        type: 'legacySegments',
        speaker: ada,
        segments: [{ id: 'L1', text: 'Ahoy there, shipmate!', final: true }],
      },
    ]);
    expect(s.lines).toMatchObject([
      { segmentId: 'L1', text: 'Ahoy there, shipmate!', final: true, source: 'legacy' },
    ]);
    s = run(
      [
        { type: 'streamOpened', streamId: 'a1', segmentId: 'SG_f', final: false, speaker: ada },
        { type: 'streamChunk', streamId: 'a1', text: 'Ahoy there, shipmate!' },
        { type: 'legacySegments', speaker: ada, segments: [{ id: 'L2', text: 'ignored', final: true }] },
      ],
      s,
    );
    expect(s.lines.map((l) => l.segmentId)).toEqual(['SG_f']);
  });

  it('when a chunk or close names an unknown stream, then the state is unchanged', () => {
    const s = run(userInterim('s1', 'SG_g', 'hey'));
    expect(reduceTranscript(s, { type: 'streamChunk', streamId: 'nope', text: 'x' })).toBe(s);
    expect(reduceTranscript(s, { type: 'streamClosed', streamId: 'nope' })).toBe(s);
  });

  it('when reset, then the transcript is empty', () => {
    const s = run(userInterim('s1', 'SG_h', 'hey'));
    expect(reduceTranscript(s, { type: 'reset' })).toEqual(emptyTranscript);
  });
});

describe('resolveSpeaker', () => {
  const base = {
    localIdentity: 'caller-1',
    localTrackSids: new Set(['TR_mic']),
    characterName: 'Theo Bellamy',
  };

  it('when the stream transcribes one of the caller’s tracks, then it is the caller, whoever sent it', () => {
    expect(resolveSpeaker({ ...base, senderIdentity: 'agent-1', transcribedTrackId: 'TR_mic' })).toEqual({
      role: 'user',
      identity: 'caller-1',
      name: 'You',
    });
  });

  it('when the stream is sent under the caller’s identity, then it is the caller', () => {
    expect(resolveSpeaker({ ...base, senderIdentity: 'caller-1', transcribedTrackId: undefined }).role).toBe(
      'user',
    );
  });

  it('when the stream comes from the agent about its own track, then it is the character', () => {
    expect(resolveSpeaker({ ...base, senderIdentity: 'agent-1', transcribedTrackId: 'TR_agent' })).toEqual({
      role: 'assistant',
      identity: 'agent-1',
      name: 'Theo Bellamy',
    });
  });
});
