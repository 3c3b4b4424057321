import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateSessionResponse, SessionDetail } from '../protocol/index.ts';
import { builtInCharacters } from '../db/seed/companions.ts';
import { speak } from './support/audio.ts';
import { signUp, type SignedUp } from './support/auth.ts';
import { type FakeOpenAI, startFakeOpenAI } from './support/fake-openai.ts';
import { TestCaller } from './support/rtc.ts';
import { type Stack, eventually, startStack, within } from './support/stack.ts';
import { teardown } from './support/teardown.ts';

// A call whose companion runs on an OpenAI-compatible server (a local stand-in at the wire) for
// STT, LLM and TTS, keeps talking on the offline brain when that server's LLM fails, and
// remembers the call in the next one.

const walt = builtInCharacters.find((c) => c.id === 'walt')!;
let fake: FakeOpenAI;
let stack: Stack;
let caller: TestCaller;
let created: CreateSessionResponse;
let owner: SignedUp;

/** The agent dispatch metadata carried in a room token's room configuration. */
function decodeDispatch(token: string): unknown {
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
    roomConfig?: { agents?: Array<{ metadata?: string }> };
  };
  return JSON.parse(claims.roomConfig?.agents?.[0]?.metadata ?? 'null');
}

const transcript = async () =>
  SessionDetail.parse(
    await (
      await fetch(`${stack.api.url}/api/sessions/${created.sessionId}`, { headers: owner.headers })
    ).json(),
  ).transcript;

beforeAll(async () => {
  fake = await startFakeOpenAI({
    transcript: 'what do you like to do',
    reply: 'Mostly I watch the sky, kid.',
  });
  stack = await startStack({
    database: 'pglite',
    agentEnv: { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'test-key-not-real' },
  });
  owner = await signUp(stack.api.url);
  const res = await fetch(`${stack.api.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...owner.headers },
    body: JSON.stringify({ mode: 'call', characterId: walt.id }),
  });
  created = CreateSessionResponse.parse(await res.json());
  caller = new TestCaller();
  await caller.join(created.url, created.token);
  await caller.heard.firstSpeechAfter(0);
  await caller.agentState('listening');
});

afterAll(() => teardown(caller, stack, fake));

describe('a call on an OpenAI-compatible server', () => {
  it('when providers are configured, then the call is not labelled offline and greets in the OpenAI voice', () => {
    expect(caller.agent?.attributes['troupe.offline']).toBe('false');
    // The non-streaming TTS is fed one sentence at a time, so the greeting arrives in pieces.
    const speech = fake.requests
      .filter((r) => r.path.endsWith('/audio/speech'))
      .map((r) => r.body as { voice: string; input: string });
    expect(speech.length).toBeGreaterThan(0);
    expect(new Set(speech.map((r) => r.voice))).toEqual(new Set([walt.voice.openai.voice]));
    const spoken = speech.map((r) => r.input.trim()).join(' ');
    expect(spoken.replace(/\s+/g, ' ')).toBe(walt.greeting.replace(/\s+/g, ' '));
  });

  it('when the caller speaks, then the server transcribes, answers with the persona as system prompt, and speaks', async () => {
    const endOfSpeech = await caller.say(await speak('what do you like to do'));
    await caller.heard.firstSpeechAfter(endOfSpeech);
    const chat = fake.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body as {
      messages: Array<{ role: string; content: unknown }>;
    };
    const system = chat.messages.find((m) => m.role === 'system' || m.role === 'developer');
    expect(JSON.stringify(system?.content)).toContain(`You are ${walt.name}`);
    expect(JSON.stringify(chat.messages)).toContain('what do you like to do');
    const turns = await eventually(
      transcript,
      (t) => t.some((x) => x.text === 'Mostly I watch the sky, kid.'),
      {
        what: "the server's reply in the transcript",
      },
    );
    expect(turns.find((t) => t.role === 'user')?.text).toBe('what do you like to do');
    await caller.agentState('listening');
  });

  it('when the LLM server fails, then the offline brain answers and the call goes on', async () => {
    fake.options.failChat = true;
    const before = (await transcript()).length;
    const endOfSpeech = await caller.say(await speak('what do you like to do'));
    await caller.heard.firstSpeechAfter(endOfSpeech);
    const turns = await eventually(transcript, (t) => t.slice(before).some((x) => x.role === 'assistant'), {
      what: 'a reply after the LLM failed',
      timeoutMs: 45_000,
    });
    const reply = turns.slice(before).find((x) => x.role === 'assistant')!;
    expect(reply.text.length).toBeGreaterThan(0);
    expect(reply.text).not.toBe('Mostly I watch the sky, kid.');
  });

  it("when the caller calls the same companion again, then the first call's summary is in the LLM's context", async () => {
    // The summary is written by the configured LLM at the end of the call: the stand-in answers it.
    const remembered = 'The caller asked what Walt likes to do. Ask about their stargazing next time.';
    fake.options.failChat = false;
    fake.options.reply = remembered;
    const left = new Promise<void>((resolve) => caller.room.once('disconnected', () => resolve()));
    const first = caller;
    const end = await fetch(`${stack.api.url}/api/sessions/${created.sessionId}/end`, {
      method: 'POST',
      headers: owner.headers,
    });
    expect(end.status).toBe(200);
    await within(stack, left, 'disconnect after the session ended');
    await first.leave();

    // The memory is written after the job has left the room: sessions are created (no room exists
    // until someone joins, so no agent is dispatched) until one carries it.
    const second = await eventually(
      async () => {
        const res = await fetch(`${stack.api.url}/api/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...owner.headers },
          body: JSON.stringify({ mode: 'call', characterId: walt.id }),
        });
        return CreateSessionResponse.parse(await res.json());
      },
      (s) => JSON.stringify(decodeDispatch(s.token)).includes(remembered),
      { what: "the first call's summary in the next call's dispatch", everyMs: 500 },
    );
    fake.options.reply = 'Good to hear you again.';
    const chatsBefore = fake.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
    caller = new TestCaller();
    await within(stack, caller.join(second.url, second.token), 'agent in the second call');
    await within(stack, caller.heard.firstSpeechAfter(0), 'greeting in the second call');
    await within(stack, caller.agentState('listening'), 'end of the greeting');
    const endOfSpeech = await caller.say(await speak('what do you like to do'));
    await within(stack, caller.heard.firstSpeechAfter(endOfSpeech), 'answer in the second call');
    const chat = fake.requests
      .filter((r) => r.path.endsWith('/chat/completions'))
      .slice(chatsBefore)
      .at(-1)!.body as { messages: Array<{ role: string; content: unknown }> };
    const system = chat.messages.find((m) => m.role === 'system' || m.role === 'developer');
    expect(JSON.stringify(system?.content)).toContain(remembered);
  });
});
