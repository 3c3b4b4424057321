import { AudioFrame, AudioMixer, dispose } from '@livekit/rtc-node';
import { Mixer } from '../agent/audio/mixer.ts';
import { monoPanGains, spreadPositions } from '../agent/audio/pan.ts';
import { runBench } from './run.ts';

// bench:mixer — CPU per character per audio-second of the program mixer at 48 kHz, for K = 1, 4, 8
// characters, audio processed as fast as possible (the cost of mixing, not of waiting). Each source
// pushes one 10 ms frame per block, like a real-time track. Baselines in the same run: a naive
// sum-and-clamp mixer (pan, sum, clamp: no limiter, no buffering) and rtc-node's AudioMixer fed with
// pre-panned stereo frames. Target: ≤ 0.5 ms per character per audio-second, linear in K.

const SECONDS = Number(process.env.BENCH_MIXER_SECONDS ?? 60);
const RUNS = 3;
const RATE = 48000;
const B = 480;
const TARGET_MS = 0.5;

function tone(frames: number, rate: number, freq: number, amp: number): Int16Array {
  return Int16Array.from({ length: frames }, (_, i) =>
    Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate)),
  );
}

/** One second of audio per source, cut into 10 ms frames and replayed. */
function frameSets(k: number, rate: number, amp: number, square = false): Int16Array[][] {
  return Array.from({ length: k }, (_, s) => {
    const per = rate / 100;
    const second = square
      ? Int16Array.from({ length: rate }, (_, i) => (Math.floor(i / 48) % 2 ? -32768 : 32767))
      : tone(rate, rate, 110 + 37 * s, amp);
    return Array.from({ length: 100 }, (_, f) => second.subarray(f * per, (f + 1) * per));
  });
}

/** CPU ms (user + system) spent by `fn`. */
function cpuMs(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function ours(k: number, rate = RATE, amp = 8000, square = false): number {
  const frames = frameSets(k, rate, amp, square);
  const pans = spreadPositions(k);
  const runs: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const mixer = new Mixer();
    const sources = pans.map((pan, i) => mixer.addSource(`c${i}`, { pan }));
    const out = new Int16Array(B * 2);
    const ms = cpuMs(() => {
      for (let b = 0; b < SECONDS * 100; b++) {
        for (let s = 0; s < k; s++) sources[s]!.push(frames[s]![b % 100]!, rate);
        mixer.mixBlock(out);
      }
    });
    if (mixer.stats().safetyClamps !== 0) throw new Error('limiter let a sample through');
    if (r > 0) runs.push(ms); // the first run warms the JIT
  }
  return median(runs) / SECONDS;
}

function naive(k: number): number {
  const frames = frameSets(k, RATE, 8000);
  const gains = spreadPositions(k).map(monoPanGains);
  const runs: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const bus = new Float32Array(B * 2);
    const out = new Int16Array(B * 2);
    const ms = cpuMs(() => {
      for (let b = 0; b < SECONDS * 100; b++) {
        bus.fill(0);
        for (let s = 0; s < k; s++) {
          const f = frames[s]![b % 100]!;
          const { left, right } = gains[s]!;
          for (let i = 0; i < B; i++) {
            bus[2 * i] = bus[2 * i]! + (f[i]! / 32768) * left;
            bus[2 * i + 1] = bus[2 * i + 1]! + (f[i]! / 32768) * right;
          }
        }
        for (let i = 0; i < B * 2; i++)
          out[i] = Math.max(-32768, Math.min(32767, Math.round(bus[i]! * 32768)));
      }
    });
    if (r > 0) runs.push(ms);
  }
  return median(runs) / SECONDS;
}

async function rtcAudioMixer(k: number): Promise<number> {
  const gains = spreadPositions(k).map(monoPanGains);
  // Pre-panned stereo frames: rtc-node's mixer neither pans nor resamples.
  const stereo = frameSets(k, RATE, 8000).map((set, s) =>
    set.map((mono) => {
      const data = new Int16Array(B * 2);
      for (let i = 0; i < B; i++) {
        data[2 * i] = Math.round(mono[i]! * gains[s]!.left);
        data[2 * i + 1] = Math.round(mono[i]! * gains[s]!.right);
      }
      return new AudioFrame(data, RATE, 2, B);
    }),
  );
  const blocks = SECONDS * 100;
  const runs: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const mixer = new AudioMixer(RATE, 2, { blocksize: B, capacity: 8 });
    for (const set of stereo) {
      mixer.addStream(
        (async function* () {
          for (let b = 0; b < blocks; b++) yield set[b % 100]!;
        })(),
      );
    }
    const before = process.cpuUsage();
    let n = 0;
    for await (const _frame of mixer) if (++n === blocks) break;
    const used = process.cpuUsage(before);
    await mixer.aclose();
    if (r > 0) runs.push((used.user + used.system) / 1000);
  }
  return median(runs) / SECONDS;
}

/** CPU ms per audio-second of one plain pass over a 10 ms stereo Float32 block: how fast this machine is now. */
function calibrate(): number {
  const a = new Float32Array(B * 2);
  const runs: number[] = [];
  for (let r = 0; r <= RUNS; r++) {
    const ms = cpuMs(() => {
      for (let b = 0; b < SECONDS * 100; b++) for (let i = 0; i < a.length; i++) a[i] = a[i]! * 0.5 + 1;
    });
    if (r > 0) runs.push(ms);
  }
  return median(runs) / SECONDS;
}

const fmt = (x: number) => x.toFixed(3).padStart(7);

async function main(): Promise<void> {
  const ks = [1, 4, 8];
  const os = await import('node:os');
  process.stdout.write(
    `bench:mixer — machine: load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; ` +
      `one plain pass over a block costs ${calibrate().toFixed(3)} ms per audio-second\n\n`,
  );
  process.stdout.write(
    `${SECONDS} audio-seconds per run, median of ${RUNS}, 48 kHz stereo out, 10 ms blocks\n` +
      `CPU ms per audio-second (total) and per character per audio-second\n\n` +
      `K   troupe total  per char │ naive sum+clamp per char │ rtc-node AudioMixer per char\n`,
  );
  const perChar: number[] = [];
  const totals: number[] = [];
  for (const k of ks) {
    const t = ours(k);
    const n = naive(k);
    const a = await rtcAudioMixer(k);
    totals.push(t);
    perChar.push(t / k);
    process.stdout.write(
      `${String(k).padEnd(3)} ${fmt(t)}      ${fmt(t / k)}  │ ${fmt(n)}  ${fmt(n / k)}      │ ${fmt(a)}  ${fmt(a / k)}\n`,
    );
  }
  const worst = ours(8, RATE, 0, true);
  const resampled = ours(4, 24000);
  process.stdout.write(
    `\nK=8 full-scale squares in phase (limiter always working): ${fmt(worst / 8)} ms per character\n` +
      `K=4 sources at 24 kHz (resampled here):                  ${fmt(resampled / 4)} ms per character\n`,
  );
  // Linear in K: total(K) ≈ a + b·K; compare the per-character cost at 8 with that at 1 and the
  // marginal cost of characters 5–8 with that of 2–4.
  const slopeLow = (totals[1]! - totals[0]!) / 3;
  const slopeHigh = (totals[2]! - totals[1]!) / 4;
  process.stdout.write(
    `\nlinearity: total(8)/total(1) = ${(totals[2]! / totals[0]!).toFixed(2)} (8 = proportional), ` +
      `marginal ms per added character K 1→4: ${slopeLow.toFixed(3)}, 4→8: ${slopeHigh.toFixed(3)} ` +
      `(ratio ${(slopeHigh / slopeLow).toFixed(2)}, 1.00 = linear)\n`,
  );
  const met = Math.max(...perChar) <= TARGET_MS;
  process.stdout.write(
    `target ≤ ${TARGET_MS} ms per character per audio-second: ${met ? 'MET' : 'NOT MET'} ` +
      `(worst ${Math.max(...perChar).toFixed(3)} ms)\n`,
  );
  await dispose();
}

runBench('bench:mixer', main);
