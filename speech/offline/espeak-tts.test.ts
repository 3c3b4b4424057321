import { initializeLogger, tts as ttsNs, type TTSMetrics } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ESPEAK_SAMPLE_RATE, EspeakTTS } from './espeak-tts.ts';
import { espeakFrames, requireSpeechTools, rmsOf, samplesOf, zeroCrossingRate } from './fixtures/speech.ts';

const SENTENCE = 'Hello there, how are you doing today? I was just thinking about books.';
const FRAME_SAMPLES = (ESPEAK_SAMPLE_RATE * 20) / 1000;
const LONG_TEXT = 'The quick brown fox jumps over the lazy dog, again and again. '.repeat(300);

let open: EspeakTTS[] = [];
function newTTS(opts?: ConstructorParameters<typeof EspeakTTS>[0]): EspeakTTS {
  const t = new EspeakTTS(opts);
  open.push(t);
  return t;
}

beforeAll(() => {
  requireSpeechTools('espeak-ng');
  initializeLogger({ pretty: false, level: 'warn' });
});

afterEach(async () => {
  await Promise.all(open.map((t) => t.close()));
  open = [];
});

describe('EspeakTTS', () => {
  it('when a sentence is synthesized, then it comes out as audible 20 ms mono frames at 22,050 Hz, the last marked final', async () => {
    const tts = newTTS();
    const metrics = new Promise<TTSMetrics>((resolve) => tts.once('metrics_collected', resolve));
    const events = [];
    for await (const ev of tts.synthesize(SENTENCE)) events.push(ev);

    expect(tts.sampleRate).toBe(22_050);
    expect(tts.capabilities.streaming).toBe(false);
    expect(tts.label).toBe('offline.espeak-ng');
    expect(events.length).toBeGreaterThan(100); // ≈ 4 s of speech
    for (const { frame } of events) {
      expect(frame.sampleRate).toBe(22_050);
      expect(frame.channels).toBe(1);
      expect(frame.samplesPerChannel).toBe(FRAME_SAMPLES);
    }
    expect(events.filter((e) => e.final)).toHaveLength(1);
    expect(events.at(-1)?.final).toBe(true);
    expect(new Set(events.map((e) => e.requestId)).size).toBe(1);
    expect(rmsOf(samplesOf(events.map((e) => e.frame)))).toBeGreaterThan(0.02);
    const m = await metrics;
    // Measured to the first frame, not the last: a real time to first byte. How fast espeak is
    // depends on the machine, so that is printed, not asserted.
    expect(m.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(m.ttfbMs).toBeLessThanOrEqual(m.durationMs);
    expect(m.audioDurationMs).toBe(Math.round(events.length * 20));
    console.log(`espeak-ng: first audio after ${m.ttfbMs} ms, all of it after ${m.durationMs} ms`);
  });

  it('when the voice, variant or pitch differ, then the audio differs, and a higher pitch crosses zero more often', async () => {
    const base = { voice: 'en-us', rate: 175, pitch: 50 };
    const [plain, low, high, scottish] = await Promise.all([
      espeakFrames('What a lovely morning for a walk.', base),
      espeakFrames('What a lovely morning for a walk.', { ...base, pitch: 10 }),
      espeakFrames('What a lovely morning for a walk.', { ...base, pitch: 90 }),
      espeakFrames('What a lovely morning for a walk.', { ...base, voice: 'en-gb-scotland', variant: 'f3' }),
    ]);
    const pcm = [plain, low, high, scottish].map((f) => Buffer.from(samplesOf(f!).buffer));
    for (let i = 0; i < pcm.length; i++) {
      for (let j = i + 1; j < pcm.length; j++) expect(pcm[i]!.equals(pcm[j]!)).toBe(false);
    }
    expect(zeroCrossingRate(samplesOf(high!))).toBeGreaterThan(zeroCrossingRate(samplesOf(low!)));
  });

  it('when the same text is synthesized twice, then the audio is identical', async () => {
    const [a, b] = await Promise.all([
      espeakFrames('Same words, same sound.'),
      espeakFrames('Same words, same sound.'),
    ]);
    expect(Buffer.from(samplesOf(a).buffer).equals(Buffer.from(samplesOf(b).buffer))).toBe(true);
  });

  it('when the synthesis is aborted after the first frame, then the espeak-ng process is killed', async () => {
    const tts = newTTS();
    const abort = new AbortController();
    const stream = tts.synthesize(LONG_TEXT, undefined, abort.signal);
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect(tts.runningProcesses).toBe(1);

    abort.abort();
    const exit = await stream.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(() => process.kill(exit.pid!, 0)).toThrow(/ESRCH/);
    expect(tts.runningProcesses).toBe(0);
    let rest = 0;
    for await (const _ of stream) rest++;
    expect(rest).toBeLessThan(20 * 60 * 50); // far less than the ≈ 20 minutes the text would last
  });

  it('when the stream is closed, or the TTS closed, then no espeak-ng process is left', async () => {
    const tts = newTTS();
    const closedStream = tts.synthesize(LONG_TEXT);
    await closedStream.next();
    closedStream.close();
    expect((await closedStream.exited).signal).toBe('SIGKILL');

    const running = tts.synthesize(LONG_TEXT);
    await running.next();
    expect(tts.runningProcesses).toBe(1);
    await tts.close();
    expect(tts.runningProcesses).toBe(0);
    expect((await running.exited).signal).toBe('SIGKILL');
  });

  it('when the text is empty or only whitespace and markup, then no audio and no process', async () => {
    const tts = newTTS();
    for (const text of ['', '   \n\t ', '** __ ## ``']) {
      const stream = tts.synthesize(text);
      const frames: AudioFrame[] = [];
      for await (const ev of stream) frames.push(ev.frame);
      expect(frames).toHaveLength(0);
      expect((await stream.exited).pid).toBeUndefined();
    }
  });

  it('when the text holds characters espeak-ng dislikes, then it still speaks the words', async () => {
    const awkward = [
      "[[h@l'oU]] -v nosuch --stdout",
      'Control\u0000chars\u0007and a lone surrogate \uD800 here',
      'Emoji 😀🎉 and <speak>tags</speak> & "quotes" — done',
      '漢字 مرحبا ﷺ',
      '**Bold** _move_ `code` # heading',
    ];
    for (const text of awkward) {
      const frames = await espeakFrames(text);
      expect(frames.length, text).toBeGreaterThan(10);
      expect(rmsOf(samplesOf(frames)), text).toBeGreaterThan(0.01);
    }
  });

  it('when the text is very long, then it streams through to a final frame without failing', async () => {
    const tts = newTTS();
    const text = 'This sentence is part of a rather long monologue. '.repeat(60); // ≈ 3,000 characters
    let frames = 0;
    let final = false;
    for await (const ev of tts.synthesize(text)) {
      frames++;
      final = ev.final;
    }
    expect(frames * 20).toBeGreaterThan(60_000); // more than a minute of speech
    expect(final).toBe(true);
  });

  it('when the voice does not exist, then the stream ends without audio and the error names espeak-ng', async () => {
    const tts = newTTS({ voice: { voice: 'nosuchvoice', rate: 175, pitch: 50 } });
    const error = new Promise<Error>((resolve) => tts.once('error', (e) => resolve(e.error)));
    const stream = tts.synthesize('Hello.');
    let frames = 0;
    for await (const _ of stream) frames++;
    expect(frames).toBe(0);
    expect((await error).message).toMatch(/espeak-ng exited with code 1.*voice does not exist/);
  });

  it('when the executable is missing, then the error names it and the package to install', async () => {
    const tts = newTTS({ executable: 'espeak-ng-not-installed' });
    const error = new Promise<Error>((resolve) => tts.once('error', (e) => resolve(e.error)));
    for await (const _ of tts.synthesize('Hello.')) throw new Error('no audio expected');
    expect((await error).message).toMatch(
      /espeak-ng-not-installed is not installed.*apt-get install espeak-ng/,
    );
  });

  it('when used as a stream through the framework adapter, then each sentence is spoken in order', async () => {
    const tts = newTTS();
    const stream = tts.stream();
    expect(stream).toBeInstanceOf(ttsNs.StreamAdapterWrapper);
    stream.pushText('Hello there, this is the first sentence. ');
    stream.pushText('And here comes the second one, a little later.');
    stream.endInput();
    const frames: AudioFrame[] = [];
    for await (const ev of stream) {
      if (ev === ttsNs.SynthesizeStream.END_OF_STREAM) break;
      frames.push(ev.frame);
    }
    expect(frames.length * 20).toBeGreaterThan(3000);
    expect(frames.every((f) => f.samplesPerChannel === FRAME_SAMPLES)).toBe(true);
    stream.close();
  });
});
