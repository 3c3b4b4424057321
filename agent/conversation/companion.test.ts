import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type VAD, initializeLogger, stt as sttNs, voice } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import type { llm } from '@livekit/agents';
import { builtInCharacters } from '../../db/seed/companions.ts';
import { speak } from '../../test/support/audio.ts';
import { ListeningSpeaker, ScriptedMicrophone } from '../../test/support/pipeline-io.ts';
import { EspeakTTS, PersonaBrain, PocketsphinxSTT } from '../../speech/offline/index.ts';
import { CompanionAgent } from './companion.ts';
import { createCompanionSession } from './session.ts';

// The whole offline pipeline (Silero VAD → pocketsphinx → persona brain → espeak-ng) driven through
// voice.AgentSession with a scripted microphone and a real-time listener instead of a room.

const character = builtInCharacters[0]!;
let vad: VAD;

beforeAll(async () => {
  initializeLogger({ pretty: false, level: 'warn' });
  vad = await silero.VAD.load({ minSilenceDuration: 300 });
});

interface Harness {
  session: voice.AgentSession;
  mic: ScriptedMicrophone;
  ear: ListeningSpeaker;
  items: llm.ChatMessage[];
  nextItem(role: 'user' | 'assistant'): Promise<llm.ChatMessage>;
  close(): Promise<void>;
}

async function startCall(stt: sttNs.STT = new PocketsphinxSTT()): Promise<Harness> {
  const session = createCompanionSession(
    { stt, llm: new PersonaBrain(character), tts: new EspeakTTS({ voice: character.voice.espeak }) },
    vad,
    { aecWarmupMs: null, interruptionMinDurationMs: 300, falseInterruptionTimeoutMs: 1500 },
  );
  const mic = new ScriptedMicrophone();
  const ear = new ListeningSpeaker();
  session.input.audio = mic;
  session.output.audio = ear;
  const items: llm.ChatMessage[] = [];
  const waiters: Array<{ role: string; from: number; resolve: (m: llm.ChatMessage) => void }> = [];
  let consumed = { user: 0, assistant: 0 };
  session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
    if (ev.item.type !== 'message') return;
    items.push(ev.item);
    for (const w of [...waiters]) {
      const match = items.filter((m) => m.role === w.role)[w.from];
      if (match) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(match);
      }
    }
  });
  await session.start({ agent: new CompanionAgent(character) });
  return {
    session,
    mic,
    ear,
    items,
    nextItem(role) {
      const from = consumed[role]++;
      const existing = items.filter((m) => m.role === role)[from];
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve) => waiters.push({ role, from, resolve }));
    },
    async close() {
      await session.close();
      consumed = { user: 0, assistant: 0 };
    },
  };
}

describe('companion pipeline without a room', () => {
  let call: Harness;
  afterAll(async () => call?.close());

  it('when the call starts, then the companion greets first, aloud, with its greeting', async () => {
    call = await startCall();
    const greeting = await call.nextItem('assistant');
    expect(greeting.textContent).toBe(character.greeting);
    expect(call.ear.log.frames.some((f) => f.level > 0.01)).toBe(true);
  });

  it('when the caller asks a spoken question, then the companion answers aloud', async () => {
    const question = await speak('hello what do you like to do', call.mic.sampleRate);
    const endOfSpeech = await call.mic.say(question);
    const user = await call.nextItem('user');
    expect(user.textContent?.length ?? 0).toBeGreaterThan(0);
    const reply = await call.nextItem('assistant');
    expect(reply.textContent?.length ?? 0).toBeGreaterThan(0);
    const firstAudio = await call.ear.log.firstSpeechAfter(endOfSpeech);
    expect(firstAudio.at).toBeGreaterThan(endOfSpeech);
    expect(reply.metrics.e2eLatency).toBeGreaterThan(0);
  });

  it('when the caller talks over a reply, then its audio stops and the reply is stored as interrupted', async () => {
    const reply = call.session.generateReply({
      userInput: 'tell me a long story about your favourite things',
    });
    const started = await call.ear.log.firstSpeechAfter(Date.now());
    await call.ear.log.waitFor((f) => f.at > started.at + 800);
    const onsetAt = Date.now();
    await call.mic.say(await speak('wait wait stop there I have a question', call.mic.sampleRate));
    await reply.waitForPlayout();
    expect(reply.interrupted).toBe(true);
    const stoppedAt = Math.min(...[...call.ear.pauses, ...call.ear.clears].filter((t) => t >= onsetAt));
    // minDuration (300 ms) + VAD onset + one frame; generous for a shared 2-core machine.
    expect(stoppedAt - onsetAt).toBeLessThan(1500);
    const stored = call.items.filter((m) => m.role === 'assistant').at(-1)!;
    expect(stored.interrupted).toBe(true);
  });
});

describe('false interruptions', () => {
  it('when a noise interrupts but no words follow, then the reply resumes and completes', async () => {
    // The STT hears nothing in the noise: that is what makes the interruption false.
    const call = await startCall(
      new sttNs.testing.FakeSTT({ fakeTranscript: '', capabilities: { streaming: false } }),
    );
    try {
      await call.nextItem('assistant');
      const falseInterruption = new Promise<voice.AgentFalseInterruptionEvent>((resolve) =>
        call.session.once(voice.AgentSessionEventTypes.AgentFalseInterruption, resolve),
      );
      const reply = call.session.generateReply({ userInput: 'tell me about your garden in detail' });
      const started = await call.ear.log.firstSpeechAfter(Date.now());
      await call.ear.log.waitFor((f) => f.at > started.at + 500);
      await call.mic.say(await speak('hmmm', call.mic.sampleRate));
      const ev = await falseInterruption;
      expect(ev.resumed).toBe(true);
      await reply.waitForPlayout();
      expect(call.ear.pauses.length).toBeGreaterThan(0);
      const lastPause = call.ear.pauses.at(-1)!;
      expect(call.ear.log.frames.some((f) => f.at > lastPause && f.level > 0.01)).toBe(true);
    } finally {
      await call.close();
    }
  });
});
