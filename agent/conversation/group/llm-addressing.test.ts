import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeLogger } from '@livekit/agents';
import { createOpenAILLM } from '../../../speech/openai/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test/support/fake-openai.ts';
import { llmAddressee, parseAddressees } from './llm-addressing.ts';

const characters = [
  { id: 'walt', name: 'Walt Brennan' },
  { id: 'june', name: 'June Ray' },
];

describe('addressing by an LLM', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    initializeLogger({ pretty: false, level: 'warn' });
    fake = await startFakeOpenAI({ reply: 'Sure: {"addressees": ["june", "nobody", "walt", "june"]}' });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('when the model names characters, then their ids come back in its order, strangers and repeats dropped', async () => {
    const choose = llmAddressee(createOpenAILLM({ apiKey: 'test', baseURL: fake.baseURL }, 'test-model'));
    const ids = await choose(
      {
        utterance: { speaker: 'caller-1', name: 'Sam', text: 'What do you two think of the sea?' },
        recent: [{ speaker: 'walt', name: 'Walt Brennan', role: 'character', text: 'Fished all morning.' }],
        characters,
      },
      new AbortController().signal,
    );
    expect(ids).toEqual(['june', 'walt']);
    // The request at the wire carried the line, the cast and the recent conversation.
    const body = JSON.stringify(fake.requests.find((r) => r.path.endsWith('/chat/completions'))?.body);
    expect(body).toContain('What do you two think of the sea?');
    expect(body).toContain('june: June Ray');
    expect(body).toContain('Fished all morning.');
  });

  it.each([
    ['not JSON', 'June, probably.'],
    ['no list', '{"addressees": "june"}'],
    ['broken JSON', '{"addressees": [june]}'],
  ])('when the answer is %s, then nobody is chosen and the heuristic decides', (_what, answer) => {
    expect(parseAddressees(answer, characters)).toEqual([]);
  });
});
