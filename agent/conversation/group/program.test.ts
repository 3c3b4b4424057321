import { AudioFrame, AudioSource, dispose } from '@livekit/rtc-node';
import { afterAll, describe, expect, it } from 'vitest';
import { Program, realClock, type ProgramClock } from './program.ts';

/** An async iterable of frames the test writes into, standing in for an rtc-node AudioStream. */
function frameChannel() {
  const queue: AudioFrame[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const iterable: AsyncIterable<AudioFrame> = {
    [Symbol.asyncIterator]: () => ({
      async next(): Promise<IteratorResult<AudioFrame>> {
        while (queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
        const value = queue.shift();
        return value ? { value, done: false } : { value: undefined, done: true };
      },
    }),
  };
  const poke = () => {
    wake?.();
    wake = null;
  };
  return {
    iterable,
    write(frame: AudioFrame) {
      queue.push(frame);
      poke();
    },
    end() {
      ended = true;
      poke();
    },
  };
}

/** Virtual time; every sleep oversleeps by a pseudo-random 0–4 ms, like a busy event loop. */
function lateClock(): ProgramClock & { t: number; stall(ms: number): void } {
  let seed = 7;
  const clock = {
    t: 1000,
    now: () => clock.t,
    sleep: async (ms: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      clock.t += ms + (seed % 5);
      await new Promise((r) => setImmediate(r));
    },
    stall(ms: number) {
      clock.t += ms;
    },
  };
  return clock;
}

function tone(frames: number, rate: number, freq: number, amp: number, from = 0): Int16Array {
  return Int16Array.from({ length: frames }, (_, i) =>
    Math.round(amp * Math.sin((2 * Math.PI * freq * (from + i)) / rate)),
  );
}

afterAll(async () => {
  await dispose();
});

describe('Program', () => {
  it('when characters and humans stream frames, then the program carries each at its place and outlives the streams', async () => {
    const clock = lateClock();
    const program = new Program({ clock });
    const character = frameChannel();
    const human = frameChannel();
    program.addStream('marigold', character.iterable, { pan: -1 });
    program.addStream('human-1', human.iterable, { pan: 1 });
    const frames = program.frames();
    const left: number[] = [];
    const right: number[] = [];
    for (let k = 0; k < 60; k++) {
      if (k < 40) {
        character.write(new AudioFrame(tone(480, 48000, 300, 8000, k * 480), 48000, 1, 480));
        // The human's track arrives at 24 kHz in 20 ms frames.
        if (k % 2 === 0) human.write(new AudioFrame(tone(480, 24000, 200, 8000, k * 240), 24000, 1, 480));
      }
      if (k === 40) {
        character.end();
        human.end();
      }
      await new Promise((r) => setImmediate(r));
      const { value, done } = await frames.next();
      expect(done).toBe(false);
      expect(value).toMatchObject({ sampleRate: 48000, channels: 2, samplesPerChannel: 480 });
      for (let i = 0; i < 480; i++) {
        left.push(value!.data[2 * i]!);
        right.push(value!.data[2 * i + 1]!);
      }
    }
    const peak = (xs: number[]) => xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak(left.slice(960, 38 * 480))).toBeGreaterThan(7900);
    expect(peak(right.slice(960, 38 * 480))).toBeGreaterThan(7900);
    // Streams ended: sources drained and left, the program goes on with silence.
    expect(program.mixer.sourceIds).toEqual([]);
    expect(peak(left.slice(45 * 480))).toBe(0);
    program.close();
    expect((await frames.next()).done).toBe(true);
  });

  it('when the timer wakes late every time, then blocks stay on the schedule without drift, and a stall is caught up', async () => {
    const clock = lateClock();
    const program = new Program({ clock });
    const frames = program.frames();
    const start = clock.now();
    let worst = 0;
    for (let k = 0; k < 2000; k++) {
      await frames.next();
      worst = Math.max(worst, clock.now() - (start + k * 10));
    }
    // Each block leaves within one oversleep of its due time, after 20 s as after 20 ms.
    expect(worst).toBeLessThanOrEqual(4);
    // A 95 ms stall: the 9 overdue blocks come at once, then the schedule resumes.
    clock.stall(95);
    const at = clock.now();
    let immediate = 0;
    for (;;) {
      await frames.next();
      if (clock.now() !== at) break;
      immediate++;
    }
    expect(immediate).toBeGreaterThanOrEqual(9);
    expect(program.skippedBlocks).toBe(0);
    // A stall beyond maxCatchUpMs restarts the schedule and counts what was given up.
    clock.stall(1000);
    await frames.next();
    expect(program.skippedBlocks).toBeGreaterThan(70);
    program.close();
  });

  it('when piped into an rtc-node AudioSource on the real clock, then it delivers one block per 10 ms', async () => {
    const sink = new AudioSource(48000, 2, 200);
    const program = new Program({ clock: realClock });
    const voice = frameChannel();
    program.addStream('v', voice.iterable);
    for (let k = 0; k < 30; k++)
      voice.write(new AudioFrame(tone(480, 48000, 300, 8000, k * 480), 48000, 1, 480));
    const t0 = performance.now();
    const piping = program.pipeTo(sink);
    await new Promise((r) => setTimeout(r, 500));
    program.close();
    await piping;
    const elapsed = performance.now() - t0;
    // pipeTo awaits each captureFrame before the next block is mixed.
    const captured = program.mixer.stats().blocks;
    // One block at t0, then one per 10 ms. Never ahead of the clock (the property that matters: no
    // run-ahead into the sink); behind it only as far as a loaded machine starves the timers.
    const due = Math.floor(elapsed / 10) + 1;
    expect(captured).toBeLessThanOrEqual(due + 1);
    expect(captured).toBeGreaterThanOrEqual(due / 2);
    await sink.close();
  });
});
