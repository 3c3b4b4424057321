import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCharacter } from '../api/testing.ts';
import { KnowledgeSearchResponse, type Character } from '../protocol/index.ts';
import { speak } from './support/audio.ts';
import { signUp, type SignedUp } from './support/auth.ts';
import { type FakeOpenAI, startFakeOpenAI } from './support/fake-openai.ts';
import { TestCaller } from './support/rtc.ts';
import { createCallSession } from './support/sessions.ts';
import { type Stack, startStack, within } from './support/stack.ts';
import { teardown } from './support/teardown.ts';

// A companion with a knowledge document, on an OpenAI-compatible LLM (a local stand-in at the wire):
// the passage that answers the caller's question is in the request the LLM receives for that turn.

const QUESTION = 'what is the name of the engine in your workshop';
let fake: FakeOpenAI;
let stack: Stack;
let caller: TestCaller;
let owner: SignedUp;
let character: Character;

beforeAll(async () => {
  fake = await startFakeOpenAI({ transcript: QUESTION, reply: 'She is called Bertha.' });
  stack = await startStack({
    agentEnv: {
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_API_KEY: 'test-key-not-real',
      // This test is about the passage reaching the LLM, on a shared, loaded machine; the 300 ms
      // default and what a timeout does are covered in agent/conversation/knowledge.test.ts.
      KNOWLEDGE_TIMEOUT_MS: '5000',
    },
  });
  owner = await signUp(stack.api.url);
  character = await createCharacter(stack.api.url, owner, 'Tinker Tess');
  const doc = await fetch(`${stack.api.url}/api/characters/${character.id}/knowledge`, {
    method: 'POST',
    headers: { 'content-type': 'text/markdown', ...owner.headers },
    body: [
      '# Tess’s workshop',
      '## Tools',
      'A lathe, two vices and a drawer of odd screws.',
      '## The engine',
      'The engine in the workshop is a 1910 Stirling engine named Bertha; it runs on a candle.',
    ].join('\n'),
  });
  expect(doc.status).toBe(201);
  // The same search the agent makes, once, so the test does not time the database's first query.
  const warm = await fetch(
    `${stack.api.url}/api/characters/${character.id}/knowledge/search?q=${encodeURIComponent(QUESTION)}`,
    { headers: owner.headers },
  );
  expect(KnowledgeSearchResponse.parse(await warm.json()).passages[0]?.content).toContain('Bertha');
});

afterAll(() => teardown(caller, stack, fake));

describe('knowledge in a call', () => {
  it('when the caller asks about something in the character’s document, then the LLM receives that passage for the turn', async () => {
    const created = await createCallSession(stack.api.url, owner, character.id);
    caller = new TestCaller();
    await within(stack, caller.join(created.url, created.token), 'agent in the call', 60_000);
    await within(stack, caller.heard.firstSpeechAfter(0), 'greeting');
    await within(stack, caller.agentState('listening'), 'end of the greeting');
    const chatsBefore = fake.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
    const endOfSpeech = await caller.say(await speak(QUESTION));
    await within(stack, caller.heard.firstSpeechAfter(endOfSpeech), 'the answer');
    const chats = fake.requests.filter((r) => r.path.endsWith('/chat/completions')).slice(chatsBefore);
    const last = chats.at(-1)!.body as { messages: Array<{ role: string; content: unknown }> };
    const knowledge = last.messages.filter(
      (m) =>
        (m.role === 'system' || m.role === 'developer') &&
        JSON.stringify(m.content).includes('What you know'),
    );
    expect(knowledge, stack.agentLog.filter((l) => l.includes('knowledge')).join('\n')).toHaveLength(1);
    expect(JSON.stringify(knowledge[0]!.content)).toContain('Stirling engine named Bertha');
    expect(JSON.stringify(knowledge[0]!.content)).toContain('The engine');
    // The turn's question is there too, and the persona prompt stays first.
    expect(last.messages.some((m) => m.role === 'user' && JSON.stringify(m.content).includes(QUESTION))).toBe(
      true,
    );
    expect(JSON.stringify(last.messages[0])).toContain('You are Tinker Tess');
  });
});
