import { describe, expect, it } from 'vitest';
import { Mixer, type MixerOptions } from './mixer.ts';
import { monoPanGains } from './pan.ts';

const RATE = 48000;
const B = 480; // frames in a 10 ms block

function sine(frames: number, freq: number, amp: number, rate = RATE, phase = 0): Int16Array {
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++)
    out[i] = Math.round(amp * Math.sin(phase + (2 * Math.PI * freq * i) / rate));
  return out;
}

function square(frames: number, periodFrames: number, level = 32767): Int16Array {
  const out = new Int16Array(frames);
  for (let i = 0; i < frames; i++) out[i] = Math.floor(i / (periodFrames / 2)) % 2 === 0 ? level : -32768;
  return out;
}

/** Pulls `blocks` blocks and concatenates them (interleaved stereo). */
function pull(mixer: Mixer, blocks: number): Int16Array {
  const out = new Int16Array(blocks * mixer.blockFrames * mixer.options.channels);
  for (let k = 0; k < blocks; k++) out.set(mixer.mixBlock(), k * mixer.blockFrames * mixer.options.channels);
  return out;
}

/** Feeds each source one block (in uneven pieces) before every pull, like real-time producers. */
function run(mixer: Mixer, signals: Record<string, Int16Array>, blocks: number): Int16Array {
  const out = new Int16Array(blocks * B * 2);
  const pieces = [0, 130, 337, B];
  for (let k = 0; k < blocks; k++) {
    for (const [id, pcm] of Object.entries(signals)) {
      const src = mixer.source(id);
      for (let p = 1; p < pieces.length; p++)
        src?.push(pcm.subarray(k * B + pieces[p - 1]!, k * B + pieces[p]!));
    }
    out.set(mixer.mixBlock(), k * B * 2);
  }
  return out;
}

function channel(stereo: Int16Array, c: 0 | 1): Int16Array {
  return stereo.filter((_, i) => i % 2 === c);
}

/** Index of the first sample where `a` and `b` differ (or differ in length), −1 when identical. */
function firstDiff(a: Int16Array, b: Int16Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function peakOf(pcm: Int16Array): number {
  return pcm.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
}

function rms(pcm: Int16Array): number {
  return Math.sqrt(pcm.reduce((s, v) => s + v * v, 0) / pcm.length);
}

describe('Mixer', () => {
  it('when the sum stays under the ceiling, then every output sample equals the panned reference sum', () => {
    const mixer = new Mixer();
    const L = mixer.lookaheadFrames;
    const blocks = 50;
    const n = blocks * B;
    const setup = [
      { id: 'a', pan: -1, gain: 1, pcm: sine(n, 220, 9000) },
      { id: 'b', pan: 0.5, gain: 0.8, pcm: sine(n, 331, 8000, RATE, 1) },
      { id: 'c', pan: 0, gain: 1.3, pcm: sine(n, 97, 6000, RATE, 2) },
    ];
    for (const s of setup) mixer.addSource(s.id, { pan: s.pan, gain: s.gain });
    const out = run(mixer, Object.fromEntries(setup.map((s) => [s.id, s.pcm])), blocks);

    // Reference: the same Float32 accumulation, in the same order, delayed by the look-ahead.
    const mismatches: string[] = [];
    let compared = 0;
    let worstVsExact = 0;
    for (let f = 0; f + L < n; f++) {
      let l = 0;
      let r = 0;
      let exactL = 0;
      for (const s of setup) {
        const g = monoPanGains(s.pan);
        const v = s.pcm[f]! / 32768;
        l = Math.fround(l + v * s.gain * g.left);
        r = Math.fround(r + v * s.gain * g.right);
        exactL += s.pcm[f]! * s.gain * g.left;
      }
      const [ol, or] = [out[2 * (f + L)]!, out[2 * (f + L) + 1]!];
      if (ol !== Math.round(l * 32768) + 0 || or !== Math.round(r * 32768) + 0) mismatches.push(`frame ${f}`);
      worstVsExact = Math.max(worstVsExact, Math.abs(ol - exactL));
      compared++;
    }
    expect(mismatches).toEqual([]);
    // And within rounding of the exact (Float64) sum.
    expect(worstVsExact).toBeLessThanOrEqual(0.5 + 1e-3);
    expect(compared).toBe(n - L);
    expect(mixer.stats().limitedFrames).toBe(0);
  });

  it('when sources are hard left and hard right at unity, then the output is their input, bit for bit', () => {
    const mixer = new Mixer();
    mixer.addSource('left', { pan: -1 });
    mixer.addSource('right', { pan: 1 });
    const n = 20 * B;
    const a = sine(n, 440, 20000);
    const b = sine(n, 660, 25000);
    const out = run(mixer, { left: a, right: b }, 20);
    const L = mixer.lookaheadFrames;
    expect(firstDiff(channel(out, 0).subarray(L), a.subarray(0, n - L))).toBe(-1);
    expect(firstDiff(channel(out, 1).subarray(L), b.subarray(0, n - L))).toBe(-1);
  });

  it('when 8 full-scale square waves add up in phase, then the limiter keeps every sample under the ceiling', () => {
    for (const ceilingDb of [-1, -3, 0]) {
      for (const pans of [Array(8).fill(0), Array(8).fill(-1), [-1, -0.7, -0.4, -0.1, 0.1, 0.4, 0.7, 1]]) {
        const mixer = new Mixer({ limiter: { ceilingDb, lookaheadMs: 2, releaseMs: 80 } });
        const ceiling = Math.round(10 ** (ceilingDb / 20) * 32768);
        const n = 100 * B;
        const signals: Record<string, Int16Array> = {};
        pans.forEach((pan, i) => {
          mixer.addSource(`s${i}`, { pan });
          signals[`s${i}`] = square(n, 96);
        });
        const out = run(mixer, signals, 100);
        expect(peakOf(out)).toBeLessThanOrEqual(ceiling);
        if (ceilingDb < 0) expect(out.some((v) => v === 32767 || v === -32768)).toBe(false);
        expect(mixer.stats().safetyClamps).toBe(0);
        // It limited rather than muted: the output still sits near the ceiling.
        expect(peakOf(out)).toBeGreaterThan(ceiling * 0.95);
      }
    }
  });

  it('when a loud burst ends, then the gain releases and quiet audio passes bit-exact again', () => {
    const mixer = new Mixer();
    mixer.addSource('a', { pan: -1 });
    mixer.addSource('b', { pan: -1 });
    const n = 200 * B;
    const loud = sine(n, 200, 30000);
    const quiet = sine(n, 300, 5000);
    // Both sources loud for 100 ms, then only a quiet signal on `a`.
    const a = new Int16Array(n);
    a.set(loud.subarray(0, 10 * B));
    a.set(quiet.subarray(10 * B), 10 * B);
    const b = new Int16Array(n);
    b.set(loud.subarray(0, 10 * B));
    const out = run(mixer, { a, b }, 200);
    const stats = mixer.stats();
    expect(stats.minGainDb).toBeLessThan(-5);
    expect(stats.safetyClamps).toBe(0);
    const left = channel(out, 0);
    const L = mixer.lookaheadFrames;
    // 80 ms release: well settled one second later.
    expect(firstDiff(left.subarray(150 * B + L), a.subarray(150 * B, n - L))).toBe(-1);
  });

  it('when a mono source is panned, then the channels follow the constant-power law', () => {
    const cases: [number, number, number][] = [
      [-1, 1, 0],
      [0, Math.SQRT1_2, Math.SQRT1_2],
      [-0.5, Math.cos(Math.PI / 8), Math.sin(Math.PI / 8)],
      [0.5, Math.cos((3 * Math.PI) / 8), Math.sin((3 * Math.PI) / 8)],
      [1, 0, 1],
    ];
    for (const [pan, gl, gr] of cases) {
      const mixer = new Mixer();
      mixer.addSource('v', { pan });
      const pcm = sine(30 * B, 500, 16000);
      const out = run(mixer, { v: pcm }, 30);
      const l = channel(out, 0).subarray(B);
      const r = channel(out, 1).subarray(B);
      const ref = rms(pcm.subarray(B));
      expect(rms(l) / ref).toBeCloseTo(gl, 3);
      expect(rms(r) / ref).toBeCloseTo(gr, 3);
      if (gr === 0) expect(r.every((v) => v === 0)).toBe(true);
      if (gl === 0) expect(l.every((v) => v === 0)).toBe(true);
      expect((rms(l) / ref) ** 2 + (rms(r) / ref) ** 2).toBeCloseTo(1, 3);
    }
  });

  it('when an impulse is pushed, then it leaves one block plus the look-ahead later at most (≤ 20 ms)', () => {
    const mixer = new Mixer();
    mixer.addSource('v');
    pull(mixer, 3);
    const L = mixer.lookaheadFrames;
    // Pushed right after a pull (worst case): "now" is the start of the block just pulled.
    for (const j of [0, 1, 239, 479]) {
      const frame = new Int16Array(B);
      frame[j] = 10000;
      const pushedAt = mixer.framesOut - B;
      mixer.source('v')!.push(frame);
      const out = channel(pull(mixer, 3), 0);
      const s = mixer.framesOut - 3 * B + out.findIndex((v) => v !== 0);
      const latency = s - (pushedAt + j);
      expect(latency).toBe(B + L);
      expect((latency / RATE) * 1000).toBeLessThanOrEqual(20);
    }
    expect(mixer.maxAddedLatencyMs).toBe(12);
    // With 20 ms blocks the look-ahead must go to keep the budget.
    const wide = new Mixer({ blockMs: 20, limiter: { ceilingDb: -1, lookaheadMs: 0, releaseMs: 80 } });
    expect(wide.maxAddedLatencyMs).toBe(20);
  });

  it('when one source is silent or absent, then the others are neither delayed nor altered', () => {
    const opts: Partial<MixerOptions> = {};
    const alone = new Mixer(opts);
    const crowded = new Mixer(opts);
    alone.addSource('a', { pan: -0.3 });
    crowded.addSource('a', { pan: -0.3 });
    crowded.addSource('never'); // added, never pushes
    const sporadic = crowded.addSource('sporadic');
    const n = 40 * B;
    const a = sine(n, 300, 12000);
    const outAlone = run(alone, { a }, 40);
    const outCrowded = new Int16Array(40 * B * 2);
    for (let k = 0; k < 40; k++) {
      crowded.source('a')!.push(a.subarray(k * B, (k + 1) * B));
      if (k % 7 === 3) sporadic.push(new Int16Array(100)); // short bursts of digital silence
      outCrowded.set(crowded.mixBlock(), k * B * 2);
    }
    expect(firstDiff(outCrowded, outAlone)).toBe(-1);
    expect(crowded.stats().blocks).toBe(40);
  });

  it('when a source is removed mid-stream, then the rest plays on unchanged, and an ended source drains first', () => {
    const mixer = new Mixer();
    const ref = new Mixer();
    for (const m of [mixer, ref]) m.addSource('a', { pan: -1 });
    mixer.addSource('b', { pan: 1 });
    const a = sine(30 * B, 250, 10000);
    const b = sine(30 * B, 350, 10000);
    const out = new Int16Array(30 * B * 2);
    const outRef = run(ref, { a }, 30);
    for (let k = 0; k < 30; k++) {
      mixer.source('a')!.push(a.subarray(k * B, (k + 1) * B));
      if (k < 10) mixer.source('b')!.push(b.subarray(k * B, (k + 1) * B));
      if (k === 10) expect(mixer.removeSource('b')).toBe(true);
      out.set(mixer.mixBlock(), k * B * 2);
    }
    expect(firstDiff(channel(out, 0), channel(outRef, 0))).toBe(-1);
    const right = channel(out, 1);
    const L = mixer.lookaheadFrames;
    expect(firstDiff(right.subarray(L, 10 * B), b.subarray(0, 10 * B - L))).toBe(-1);
    expect(right.subarray(11 * B + L).every((v) => v === 0)).toBe(true);
    expect(mixer.sourceIds).toEqual(['a']);

    const draining = mixer.addSource('c', { pan: 1 });
    draining.push(b.subarray(0, 2 * B + 100));
    draining.end();
    pull(mixer, 2);
    expect(mixer.sourceIds).toContain('c');
    pull(mixer, 1);
    expect(mixer.sourceIds).toEqual(['a']);
    expect(() => draining.push(b)).toThrow(/ended/);
  });

  it('when a source pushes far ahead of real time, then its buffer stays bounded and the oldest audio is dropped', () => {
    const mixer = new Mixer({ maxBufferMs: 60 });
    const src = mixer.addSource('tts', { pan: -1 });
    const second = new Int16Array(RATE).map((_, i) => (i % 1000) + 1);
    const dropped = src.push(second);
    expect(dropped).toBe(RATE - 60 * 48);
    expect(src.bufferedFrames).toBe(60 * 48);
    expect(mixer.stats().sources[0]).toMatchObject({ droppedFrames: RATE - 2880, bufferedMs: 60 });
    const left = channel(pull(mixer, 8), 0);
    const L = mixer.lookaheadFrames;
    // The newest 60 ms, then silence.
    expect(firstDiff(left.subarray(L, L + 2880), second.subarray(RATE - 2880))).toBe(-1);
    expect(left.subarray(L + 2880).every((v) => v === 0)).toBe(true);
  });

  it('when sources arrive at 24 kHz and 16 kHz, then they are resampled on time with no drift', () => {
    for (const rate of [24000, 16000]) {
      const mixer = new Mixer();
      const src = mixer.addSource('tts', { pan: -1 });
      const per = rate / 100;
      const factor = RATE / rate;
      const impulses = [0, 1000, 12345, rate * 2 - 500]; // input sample indices over 2 s
      const input = new Int16Array(rate * 2);
      for (const t of impulses) input[t] = 16000;
      const left = new Int16Array(200 * B);
      for (let k = 0; k < 200; k++) {
        src.push(input.subarray(k * per, (k + 1) * per), rate);
        left.set(channel(mixer.mixBlock(), 0), k * B);
      }
      // Impulse at input sample t peaks at output (t + halfTaps)·factor + look-ahead, for the whole run.
      const delay = 8 * factor + mixer.lookaheadFrames;
      for (const t of impulses) {
        const at = t * factor + delay;
        let best = at;
        for (let i = at - 5; i <= at + 5; i++) if (left[i]! > left[best]!) best = i;
        expect(best).toBe(at);
        expect(left[at]).toBeGreaterThan(16000 * 0.8);
      }
      // A real-time producer never starves: no gaps inserted, and the buffer holds less than a block.
      expect(src.underruns).toBe(0);
      expect(src.bufferedFrames).toBeLessThan(B);
      expect(((delay / RATE) * 1000 + 10).toFixed(1)).toBe(rate === 24000 ? '12.3' : '12.5');
    }
  });
});
