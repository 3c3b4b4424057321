import { describe, expect, it } from 'vitest';
import { llm } from '@livekit/agents';
import { Turn } from '../../protocol/index.ts';
import { turnFromMessage, turnIdFor } from './turns.ts';

const parties = {
  sessionId: '6f1c1e47-5d7e-4f43-9a39-2f3f3c1d9b10',
  callerIdentity: 'caller-abc',
  callerName: 'Ada',
  characterId: 'marigold',
  characterName: 'Marigold Finch',
};

describe('turns from chat messages', () => {
  it('when the same chat item is mapped twice, then it gets the same uuid (idempotent reports)', () => {
    expect(turnIdFor(parties.sessionId, 'item_1')).toBe(turnIdFor(parties.sessionId, 'item_1'));
    expect(turnIdFor(parties.sessionId, 'item_1')).not.toBe(turnIdFor(parties.sessionId, 'item_2'));
    expect(turnIdFor(parties.sessionId, 'item_1')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('when the caller speaks, then the turn names the caller and carries end-of-utterance and STT delays', () => {
    const msg = llm.ChatMessage.create({
      role: 'user',
      content: 'hello  there ',
      metrics: {
        startedSpeakingAt: 100,
        stoppedSpeakingAt: 101.5,
        endOfTurnDelay: 0.52,
        transcriptionDelay: 0.21,
      },
    });
    const turn = Turn.parse(turnFromMessage(msg, parties, {}));
    expect(turn).toMatchObject({
      role: 'user',
      speaker: 'caller-abc',
      speakerName: 'Ada',
      text: 'hello there',
    });
    expect(turn.metrics).toMatchObject({ eouDelayMs: 520, sttDelayMs: 210, voiceToVoiceMs: null });
    expect(turn.startedAt).toBe(new Date(100_000).toISOString());
  });

  it('when a reply was interrupted, then text is what was generated and heardText what was heard', () => {
    const user = llm.ChatMessage.create({ role: 'user', content: 'hi', metrics: { endOfTurnDelay: 0.5 } });
    const msg = llm.ChatMessage.create({
      role: 'assistant',
      content: 'Oh hello, my love!',
      interrupted: true,
      metrics: {
        llmNodeTtft: 0.012,
        ttsNodeTtfb: 0.15,
        e2eLatency: 0.71,
        startedSpeakingAt: 10,
        stoppedSpeakingAt: 11,
      },
    });
    const turn = Turn.parse(
      turnFromMessage(msg, parties, {
        previousUser: user,
        generations: ['Something newer for the next turn.', 'Oh hello, my love! Come and see my marrows.'],
      }),
    );
    expect(turn).toMatchObject({
      role: 'assistant',
      speaker: 'marigold',
      interrupted: true,
      text: 'Oh hello, my love! Come and see my marrows.',
      heardText: 'Oh hello, my love!',
    });
    expect(turn.metrics).toEqual({
      eouDelayMs: 500,
      sttDelayMs: null,
      llmTtftMs: 12,
      ttsTtfbMs: 150,
      voiceToVoiceMs: 710,
    });
  });

  it('when the generated text does not continue what was heard, then only the heard text is stored', () => {
    const msg = llm.ChatMessage.create({ role: 'assistant', content: 'Something else', interrupted: true });
    const turn = turnFromMessage(msg, parties, { generations: ['An older generation.'] });
    expect(turn?.text).toBe('Something else');
  });

  it('when a message is empty or from the system, then no turn is reported', () => {
    expect(
      turnFromMessage(llm.ChatMessage.create({ role: 'user', content: '  ' }), parties, {}),
    ).toBeUndefined();
    expect(
      turnFromMessage(llm.ChatMessage.create({ role: 'system', content: 'x' }), parties, {}),
    ).toBeUndefined();
  });
});
