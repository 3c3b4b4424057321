import { initializeLogger, llm, voice, type LLMMetrics } from '@livekit/agents';
import { dispose } from '@livekit/rtc-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCharacter as character } from './fixtures/character.ts';
import { PersonaBrain } from './persona-brain.ts';
import { composeReply } from './persona-replies.ts';

function chatCtx(...messages: Array<['system' | 'user' | 'assistant', string]>): llm.ChatContext {
  const ctx = llm.ChatContext.empty();
  for (const [role, content] of messages) ctx.addMessage({ role, content });
  return ctx;
}

async function chunksOf(brain: PersonaBrain, ctx: llm.ChatContext): Promise<llm.ChatChunk[]> {
  const chunks: llm.ChatChunk[] = [];
  for await (const chunk of brain.chat({ chatCtx: ctx })) chunks.push(chunk);
  return chunks;
}

const textOf = (chunks: llm.ChatChunk[]) => chunks.map((c) => c.delta?.content ?? '').join('');
const mentionsInterest = (text: string) => character.persona.interests.some((i) => text.includes(i));

beforeAll(() => {
  initializeLogger({ pretty: false, level: 'warn' });
});

afterAll(async () => {
  await dispose();
});

describe('PersonaBrain', () => {
  it('when asked through chat(), then it streams the reply word by word, then a usage chunk', async () => {
    const brain = new PersonaBrain(character);
    const metrics = new Promise<LLMMetrics>((resolve) => brain.once('metrics_collected', resolve));
    const ctx = chatCtx(
      ['system', 'You are Rosa.'],
      ['assistant', character.greeting],
      ['user', 'what do you like to do?'],
    );
    const chunks = await chunksOf(brain, ctx);

    const words = chunks.filter((c) => c.delta?.content);
    expect(words.length).toBeGreaterThan(3);
    for (const c of words) expect(c.delta!.content!.trim().split(/\s+/)).toHaveLength(1);
    expect(words.every((c) => c.delta?.role === 'assistant' && !c.delta.toolCalls)).toBe(true);
    expect(chunks.at(-1)?.usage?.completionTokens).toBe(words.length);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(mentionsInterest(textOf(chunks))).toBe(true);
    expect((await metrics).label).toBe('offline.persona-brain');
    expect(brain.label()).toBe('offline.persona-brain');
    expect(brain.model).toBe('persona-brain');
  });

  it('when the same chat context is given twice, then the same words come back', async () => {
    const brain = new PersonaBrain(character);
    const ctx = chatCtx(['assistant', character.greeting], ['user', 'tell me about the weather today']);
    const first = textOf(await chunksOf(brain, ctx));
    expect(first.toLowerCase()).toContain('weather');
    expect(textOf(await chunksOf(new PersonaBrain(character), ctx))).toBe(first);
    expect(textOf(await chunksOf(brain, ctx))).toBe(first);
  });

  it('when given different conversations, then it answers each from its own history, not from memory', async () => {
    const brain = new PersonaBrain(character);
    const sam = chatCtx(
      ['user', 'my name is Sam'],
      ['assistant', 'Nice to meet you.'],
      ['user', "what's my name?"],
    );
    const stranger = chatCtx(['assistant', character.greeting], ['user', "what's my name?"]);
    expect(textOf(await chunksOf(brain, sam))).toContain('Sam');
    expect(textOf(await chunksOf(brain, stranger))).not.toContain('Sam');
    expect(textOf(await chunksOf(brain, sam))).toContain('Sam');
  });

  it('when the context has tools, instructions or no user turn at all, then it still answers in words', async () => {
    const brain = new PersonaBrain(character);
    expect(textOf(await chunksOf(brain, chatCtx(['system', 'Greet the user.'])))).toBe(character.greeting);
    expect(textOf(await chunksOf(brain, llm.ChatContext.empty()))).toBe(character.greeting);
    const withTool = llm.tool({ description: 'never called', execute: async () => 'x' });
    const chunks: llm.ChatChunk[] = [];
    const stream = brain.chat({ chatCtx: chatCtx(['user', 'hello']), toolCtx: { noop: withTool } });
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((c) => c.delta?.toolCalls?.length)).toBe(false);
    expect(textOf(chunks)).toBe(composeReply(character, [{ role: 'user', text: 'hello' }]).text);
  });

  it('when run inside a voice.AgentSession, then the framework takes its replies turn after turn', async () => {
    const session = new voice.AgentSession({ llm: new PersonaBrain(character) });
    await session.start({ agent: new voice.Agent({ instructions: `You are ${character.name}.` }) });
    try {
      const hello = await session.run({ userInput: 'hello, how are you?' }).wait();
      const first = hello.expect.nextEvent().isMessage({ role: 'assistant' }).event().item.textContent ?? '';
      expect(first).toMatch(/^Hello, /);

      const interests = await session.run({ userInput: 'what do you like to do?' }).wait();
      const second = interests.expect.at(-1).isMessage({ role: 'assistant' }).event().item.textContent ?? '';
      expect(mentionsInterest(second)).toBe(true);

      const topic = await session.run({ userInput: 'can you help me with my homework?' }).wait();
      const third = topic.expect.at(-1).isMessage({ role: 'assistant' }).event().item.textContent ?? '';
      expect(third.toLowerCase()).toContain('homework');
      expect(new Set([first, second, third]).size).toBe(3);
    } finally {
      await session.close();
    }
  });
});
