import { describe, expect, it } from 'vitest';
import type { StageMessage } from '../../protocol/index.ts';
import { testFloorMessage } from '../../protocol/testing.ts';
import {
  captionView,
  initialStageState,
  reduceStage,
  stageLimits,
  stageSpeakerOf,
  stageView,
} from './stage-state.ts';
import type { StageEvent, StageState } from './stage-state.ts';
import { stageAccessFrom, stageEventOf } from './stage-wire.ts';

const run = (events: StageEvent[], from: StageState = initialStageState()): StageState =>
  events.reduce(reduceStage, from);
const join = (id: string, name: string): StageEvent => ({
  type: 'participantJoined',
  identity: `character-${id}`,
  name,
  characterId: id,
  isAgent: true,
});
const stage = (message: StageMessage): StageEvent => ({ type: 'stage', message });
const floor = (seq: number, speaker: string | null): StageEvent => ({
  type: 'floor',
  message: testFloorMessage({
    seq,
    state: speaker === null ? 'open' : 'character',
    speaker,
    reason: speaker === null ? null : 'weighted',
  }),
});
const cast = [join('june', 'June Ray'), join('walt', 'Walt Brennan')];

describe('the stage state', () => {
  it('when the characters’ participants join, then the cast is learned from the room, and the job itself is not on stage', () => {
    const s = run([
      { type: 'participantJoined', identity: 'agent-AJ_1', name: '', isAgent: true },
      ...cast,
      { type: 'participantJoined', identity: 'host', name: 'Host', isAgent: false },
    ]);
    expect(stageView(s).map((a) => [a.id, a.name, a.present])).toEqual([
      ['june', 'June Ray', true],
      ['walt', 'Walt Brennan', true],
    ]);
    expect(stageSpeakerOf(s, 'host')).toEqual({ role: 'user', identity: 'host', name: 'Host' });
    expect(stageSpeakerOf(s, 'character-walt').name).toBe('Walt Brennan');
  });

  it('when a character is an active speaker, the job says it is audible, or it holds the floor, then it is speaking', () => {
    let s = run(cast);
    s = reduceStage(s, { type: 'activeSpeakers', identities: ['character-june'] });
    expect(stageView(s).map((a) => a.speaking)).toEqual([true, false]);
    s = run([{ type: 'activeSpeakers', identities: [] }, floor(1, 'walt')], s);
    expect(stageView(s).map((a) => a.speaking)).toEqual([false, true]);
    s = run([floor(0, 'june')], s);
    expect(stageView(s).map((a) => a.speaking)).toEqual([false, true]);
    s = run(
      [
        floor(2, null),
        stage({ type: 'speaking', seq: 1, speaker: 'june', role: 'character', speaking: true }),
      ],
      s,
    );
    expect(stageView(s).map((a) => a.speaking)).toEqual([true, false]);
    s = run([stage({ type: 'speaking', seq: 2, speaker: 'june', role: 'character', speaking: false })], s);
    expect(stageView(s).map((a) => a.speaking)).toEqual([false, false]);
  });

  it('when a switch arrives, then its character is active with the transition to animate, and a late one is dropped', () => {
    let s = run([
      ...cast,
      stage({
        type: 'switch',
        seq: 5,
        characterId: 'walt',
        from: null,
        transition: 'dramatic',
        durationMs: 1200,
      }),
    ]);
    expect(s.active).toBe('walt');
    expect(s.transition).toEqual({ kind: 'dramatic', durationMs: 1200, from: null, seq: 5 });
    expect(stageView(s).find((a) => a.active)?.id).toBe('walt');
    s = run(
      [
        stage({
          type: 'switch',
          seq: 4,
          characterId: 'june',
          from: 'walt',
          transition: 'instant',
          durationMs: 0,
        }),
      ],
      s,
    );
    expect(s.active).toBe('walt');
  });

  it('when a late viewer gets the stage snapshot, then cast, spotlight and expressions come from it', () => {
    const s = run([
      stage({
        type: 'stage',
        seq: 9,
        active: 'june',
        cast: [
          { id: 'june', name: 'June Ray' },
          { id: 'walt', name: 'Walt Brennan' },
        ],
        expressions: { june: 'smile' },
      }),
      stage({ type: 'motion', seq: 10, characterId: 'walt', name: 'wave' }),
    ]);
    expect(stageView(s).map((a) => [a.id, a.active, a.present, a.expression, a.motion])).toEqual([
      ['june', true, false, 'smile', null],
      ['walt', false, false, null, 'wave'],
    ]);
  });

  it('when caption messages arrive, then an interim caption is replaced by the next of its speaker and only the last few are kept', () => {
    const caption = (seq: number, speaker: string, text: string, final: boolean): StageEvent =>
      stage({ type: 'caption', seq, speaker, name: speaker.toUpperCase(), text, final });
    const s = run([
      caption(1, 'june', 'Hello', false),
      caption(2, 'june', 'Hello there', true),
      caption(3, 'walt', 'Well', false),
      caption(4, 'walt', 'Well now', false),
    ]);
    expect(captionView(s)).toEqual([
      { speaker: 'june', name: 'JUNE', text: 'Hello there', final: true },
      { speaker: 'walt', name: 'WALT', text: 'Well now', final: false },
    ]);
    expect(stageLimits.captions).toBe(2);
  });

  it('when only transcriptions arrive, then captions come from them, named by the cast', () => {
    let s = run(cast);
    const speaker = stageSpeakerOf(s, 'character-june');
    s = run(
      [
        {
          type: 'transcript',
          event: { type: 'streamOpened', streamId: 's1', segmentId: 'g1', final: false, speaker },
        },
        { type: 'transcript', event: { type: 'streamChunk', streamId: 's1', text: 'Good evening, ' } },
        { type: 'transcript', event: { type: 'streamChunk', streamId: 's1', text: 'chat!' } },
      ],
      s,
    );
    expect(captionView(s)).toEqual([
      { speaker: 'june', name: 'June Ray', text: 'Good evening, chat!', final: false },
    ]);
    s = run([{ type: 'transcript', event: { type: 'streamClosed', streamId: 's1' } }], s);
    expect(captionView(s)[0]?.final).toBe(true);
  });

  it('when chat lines keep coming, then the stage keeps the most recent ones with their message ids', () => {
    const events: StageEvent[] = Array.from({ length: 12 }, (_, i) => ({
      type: 'stage',
      message: { type: 'chat', seq: i, user: `viewer${i}`, text: `hi ${i}` },
      messageId: `m${i}`,
    }));
    const s = run(events);
    expect(s.chat).toHaveLength(stageLimits.chat);
    expect(s.chat.at(-1)).toEqual({ key: 11, user: 'viewer11', text: 'hi 11', messageId: 'm11' });
  });

  it('when a character leaves, then it stays in the cast but is no longer present or speaking', () => {
    let s = run([...cast, { type: 'activeSpeakers', identities: ['character-walt'] }]);
    s = reduceStage(s, { type: 'participantLeft', identity: 'character-walt' });
    expect(stageView(s).find((a) => a.id === 'walt')).toMatchObject({ present: false, speaking: false });
  });
});

describe('the stage wire', () => {
  const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

  it('when a valid stage message arrives on troupe.stage, then it becomes a stage event, with a chat id when sent', () => {
    expect(
      stageEventOf(bytes({ type: 'chat', seq: 1, user: 'v', text: 'hi', id: 'abc' }), 'troupe.stage'),
    ).toEqual({
      type: 'stage',
      message: { type: 'chat', seq: 1, user: 'v', text: 'hi' },
      messageId: 'abc',
    });
    expect(stageEventOf(bytes(testFloorMessage({ seq: 1 })), 'troupe.floor')?.type).toBe('floor');
  });

  it('when a packet is malformed, invalid or on another topic, then it is ignored', () => {
    expect(stageEventOf(new TextEncoder().encode('{nope'), 'troupe.stage')).toBeNull();
    expect(stageEventOf(bytes({ type: 'switch', seq: 1, characterId: 'june' }), 'troupe.stage')).toBeNull();
    expect(stageEventOf(bytes({ type: 'chat', seq: 1, user: 'v', text: 'hi' }), 'troupe.control')).toBeNull();
  });

  it('when the stage URL carries its token and LiveKit URL in the hash or in the page query (egress), then both are read', () => {
    expect(stageAccessFrom('token=t1&url=ws%3A%2F%2F127.0.0.1%3A7880', '')).toEqual({
      token: 't1',
      url: 'ws://127.0.0.1:7880',
    });
    expect(stageAccessFrom('', '?url=wss://lk.example&token=t2')).toEqual({
      token: 't2',
      url: 'wss://lk.example',
    });
    expect(stageAccessFrom('token=t1', '')).toBeNull();
    expect(stageAccessFrom('token=t1&url=javascript:alert(1)', '')).toBeNull();
  });
});
