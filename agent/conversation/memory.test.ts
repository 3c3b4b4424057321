import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeLogger, llm, voice } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import { builtInCharacters } from '../../db/seed/companions.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../test/support/fake-openai.ts';
import { PersonaBrain } from '../../speech/offline/index.ts';
import { CompanionAgent } from './companion.ts';
import { offlineSummary, rememberedCallerName, summarizeCall } from './memory.ts';

const character = builtInCharacters.find((c) => c.id === 'ruth')!;

function history(...lines: Array<['user' | 'assistant', string]>): llm.ChatContext {
  const ctx = llm.ChatContext.empty();
  for (const [role, content] of lines) ctx.addMessage({ role, content });
  return ctx;
}

let fake: FakeOpenAI;
beforeAll(async () => {
  initializeLogger({ pretty: false, level: 'error' });
  fake = await startFakeOpenAI({ reply: "The caller's name is Ada. She is learning the cello." });
});
afterAll(async () => fake?.close());

describe('call memory', () => {
  it('when the caller gave a name and talked about themselves, then the offline summary keeps both', () => {
    const summary = offlineSummary(
      history(
        ['assistant', 'Hello dear.'],
        ['user', 'hi, my name is Ada'],
        ['user', 'I love painting watercolours.'],
      ),
    );
    expect(summary).toContain("The caller's name is Ada.");
    expect(summary).toContain('I love painting watercolours.');
    expect(rememberedCallerName([summary!])).toBe('Ada');
  });

  it('when the caller never spoke, then there is nothing to remember', async () => {
    expect(await summarizeCall(history(['assistant', 'Hello? Anyone there?']))).toBeUndefined();
  });

  it('when an LLM is configured, then it writes the summary; when it fails, the offline summary is kept', async () => {
    const model = new openai.LLM({ baseURL: fake.baseURL, apiKey: 'test-key', model: 'gpt-4.1-mini' });
    const call = history(['user', 'my name is Ada and I am learning the cello']);
    expect(await summarizeCall(call, { model })).toBe("The caller's name is Ada. She is learning the cello.");
    const request = fake.requests.at(-1)!.body as { messages: Array<{ content: string }> };
    expect(JSON.stringify(request.messages)).toContain('Caller: my name is Ada and I am learning the cello');

    fake.options.failChat = true;
    try {
      const fallback = await summarizeCall(call, { model, llmTimeoutMs: 5_000 });
      expect(fallback).toContain("The caller's name is Ada.");
    } finally {
      fake.options.failChat = false;
    }
  });

  it('when a second call starts with the first call remembered, then the offline brain knows the caller', async () => {
    const first = new voice.AgentSession({ llm: new PersonaBrain(character) });
    await first.start({ agent: new CompanionAgent(character) });
    await first.run({ userInput: 'hello, my name is Ada' }).wait();
    await first.run({ userInput: 'I love painting watercolours' }).wait();
    const memory = await summarizeCall(first.history);
    await first.close();
    expect(memory).toBeDefined();

    const second = new voice.AgentSession({ llm: new PersonaBrain(character) });
    await second.start({ agent: new CompanionAgent(character, [memory!]) });
    try {
      const result = await second.run({ userInput: 'do you remember my name?' }).wait();
      const reply = result.events
        .flatMap((e) => (e.type === 'message' ? [e.item.textContent ?? ''] : []))
        .join(' ');
      expect(reply).toContain('Ada');
    } finally {
      await second.close();
    }
  });
});
