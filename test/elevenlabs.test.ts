import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderInfo } from '../protocol/index.ts';
import { builtInCharacters } from '../db/seed/companions.ts';
import { speak } from './support/audio.ts';
import {
  type FakeElevenLabs,
  type FakeElevenLabsRequest,
  startFakeElevenLabs,
} from './support/fake-elevenlabs.ts';
import { TestCaller } from './support/rtc.ts';
import { createCallSession } from './support/sessions.ts';
import { type Stack, startStack, within as withinStack } from './support/stack.ts';
import { signUp } from './support/auth.ts';
import { teardown } from './support/teardown.ts';

// A call whose companion speaks through ElevenLabs (a local stand-in at the wire) while STT and
// LLM stay offline, and keeps speaking in its espeak-ng voice while ElevenLabs is down.

const API_KEY = 'test-key-el-3f9c2a';
/** Lily is not the plugin's default voice, so her id on the wire shows the character's reached it. */
const marigold = builtInCharacters.find((c) => c.id === 'marigold')!;
/** Our default model; the plugin's own default is eleven_turbo_v2_5. */
const MODEL = 'eleven_flash_v2_5';
/** Upper bound for "the companion answers": offline STT and brain, plus ElevenLabs' retries
 *  (100 ms, then 2 s) before the fallback takes over, on a loaded 2-core box. */
const ANSWER_BOUND_MS = 25_000;
const FALLBACK_WARNING = 'TTS failed, switching to next instance';

let fake: FakeElevenLabs;
let stack: Stack;
let caller: TestCaller;

const sockets = (from = 0) => fake.requests.slice(from).filter((r) => r.kind === 'websocket');
const probes = (from = 0) => fake.requests.slice(from).filter((r) => r.kind === 'http');
/** The text a socket was asked to speak, whitespace normalised. */
const spokenOn = (r: FakeElevenLabsRequest) =>
  (r.messages as Array<{ text?: unknown }>)
    .map((m) => (typeof m.text === 'string' ? m.text : ''))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();

/** `promise`, or a failure naming `what` with the agent's last log lines after `ms`. */
const within = <T>(promise: Promise<T>, what: string, ms = ANSWER_BOUND_MS) =>
  withinStack(stack, promise, what, ms);

/** Speaks to the companion once it listens; resolves with the first speech frame of its answer. */
async function ask(text: string, what: string) {
  await within(caller.agentState('listening'), 'return to listening');
  const endOfSpeech = await caller.say(await speak(text));
  return within(caller.heard.firstSpeechAfter(endOfSpeech), what);
}

beforeAll(async () => {
  fake = await startFakeElevenLabs({ apiKey: API_KEY });
  stack = await startStack({
    database: 'pglite',
    agentEnv: {
      ELEVENLABS_API_KEY: API_KEY,
      ELEVENLABS_BASE_URL: fake.baseURL,
      ELEVENLABS_MODEL: '',
      // STT and LLM stay offline whatever the shell or .env holds (empty means unset).
      OPENAI_API_KEY: '',
      OPENAI_BASE_URL: '',
      STT_BASE_URL: '',
      STT_API_KEY: '',
      LLM_BASE_URL: '',
      LLM_API_KEY: '',
      TTS_BASE_URL: '',
      TTS_API_KEY: '',
    },
  });
  const owner = await signUp(stack.api.url);
  const created = await createCallSession(stack.api.url, owner, marigold.id);
  caller = new TestCaller();
  await caller.join(created.url, created.token);
  await within(caller.heard.firstSpeechAfter(0), 'greeting');
});

afterAll(() => teardown(caller, stack, fake));

describe('a call whose companion speaks through ElevenLabs', () => {
  it("when the call starts, then ElevenLabs speaks the greeting in the character's voice and model and the caller hears it", async () => {
    await within(caller.agentState('listening'), 'end of the greeting');
    const [socket, ...others] = sockets();
    expect(others).toEqual([]);
    expect(socket).toMatchObject({
      path: `/v1/text-to-speech/${marigold.voice.elevenlabs.voiceId}/multi-stream-input`,
      keyMatched: true,
      status: 101,
      query: { model_id: MODEL, output_format: 'pcm_22050' },
    });
    expect(socket!.headers).not.toHaveProperty('xi-api-key');
    expect(spokenOn(socket!)).toBe(marigold.greeting.replace(/\s+/g, ' '));
    // Every context the plugin opened was closed, and the fake answered it with audio.
    const messages = socket!.messages as Array<{ context_id?: string; close_context?: boolean }>;
    const opened = new Set(messages.map((m) => m.context_id));
    const closed = new Set(messages.filter((m) => m.close_context).map((m) => m.context_id));
    expect(closed).toEqual(opened);
    expect(socket!.audioMessages).toBeGreaterThan(0);
    // What the caller heard came from ElevenLabs, not from the fallback.
    expect(caller.heard.frames.some((f) => f.level > 0.01)).toBe(true);
    expect(stack.agentLog.join('\n')).not.toContain(FALLBACK_WARNING);
  });

  it('when the agent joins, then its attributes name ElevenLabs for TTS and mark the call offline for STT and LLM', () => {
    expect(caller.agent?.attributes['troupe.offline']).toBe('true');
    const info = ProviderInfo.parse(JSON.parse(caller.agent?.attributes['troupe.providers'] ?? 'null'));
    expect(info).toEqual({
      stt: 'offline:pocketsphinx',
      llm: 'offline:persona-brain',
      tts: `elevenlabs:${MODEL} → offline:espeak-ng`,
      offline: true,
    });
  });

  it('when ElevenLabs fails, then the reply is heard in the offline voice', async () => {
    fake.options.fail = true;
    const from = fake.requests.length;
    await ask('hello there what do you like to do', 'reply after ElevenLabs failed');
    // The open socket was dropped at the reply's first message and reconnecting was refused.
    expect(sockets()[0]).toMatchObject({ closeCode: 1011, closedBy: 'server' });
    expect(sockets(from).length).toBeGreaterThan(0);
    expect(sockets(from).every((r) => r.status === 503)).toBe(true);
    expect(stack.agentLog.join('\n')).toContain(FALLBACK_WARNING);
  });

  it('when ElevenLabs stays down while the caller is silent, then the call goes on', async () => {
    // Guards against the session closing itself ~20 s into an ElevenLabs outage: each failed
    // background recovery probe reached it as an unrecoverable TTS error, and a fourth one in a
    // row (with no speech in between to reset the count) ends an AgentSession.
    // A probe is one synthesize() of at most 4 HTTP attempts (the plugin's retries), so 17 refused
    // requests mean at least 4 probes have failed in full.
    const from = fake.requests.length;
    await within(
      fake.waitFor(() => probes(from).filter((r) => r.status === 503).length >= 17),
      'four failed recovery probes',
      60_000,
    );
    await ask('hello there what do you like to do', 'reply while ElevenLabs is still down');
    expect(caller.agent && caller.room.remoteParticipants.has(caller.agent.identity)).toBe(true);
    expect(stack.agentLog.join('\n')).not.toContain('AgentSession is closing');
  });

  it('when ElevenLabs comes back, then the next reply is spoken by it again', async () => {
    fake.options.fail = false;
    const from = fake.requests.length;
    await within(
      fake.waitFor(() => probes(from).some((r) => r.status === 200)),
      'a successful recovery probe',
    );
    const probe = probes(from).find((r) => r.status === 200)!;
    expect(probe).toMatchObject({
      path: `/v1/text-to-speech/${marigold.voice.elevenlabs.voiceId}/stream`,
      keyMatched: true,
      query: { output_format: 'pcm_22050' },
      messages: [expect.objectContaining({ model_id: MODEL })],
    });
    const beforeReply = fake.requests.length;
    await ask('hello there what do you like to do', 'reply after ElevenLabs came back');
    const [socket] = sockets(beforeReply);
    expect(socket).toMatchObject({ status: 101, keyMatched: true, query: { model_id: MODEL } });
    expect(spokenOn(socket!).length).toBeGreaterThan(0);
    expect(socket!.audioMessages).toBeGreaterThan(0);
  });

  it('when the call has run, then the API key appears in no agent log line', () => {
    expect(stack.agentLog.length).toBeGreaterThan(0);
    expect(stack.agentLog.filter((line) => line.includes(API_KEY))).toEqual([]);
  });
});
