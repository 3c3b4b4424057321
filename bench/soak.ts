import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dispose } from '@livekit/rtc-node';
import { speak } from '../test/support/audio.ts';
import { signUp } from '../test/support/auth.ts';
import { jobPidOf } from '../test/support/faults.ts';
import { TestCaller } from '../test/support/rtc.ts';
import { createCallSession } from '../test/support/sessions.ts';
import { buildAgent } from '../scripts/build-agent.ts';
import { startStack } from '../test/support/stack.ts';
import { runBench } from './run.ts';

// bench:soak — memory of a call's job process over a long call on the real livekit-server:
// the caller asks a question every 20 s and is silent otherwise; the job's RSS is sampled every
// 10 s and the growth after the first minute is fitted to MB per minute.

const MINUTES = Number(process.env.SOAK_MINUTES ?? 5);
const SAMPLE_MS = 10_000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** The worker's job processes (the call's, and the idle ones waiting for a call). */
function jobProcesses(workerPid: number): number[] {
  return execFileSync('pgrep', ['-P', String(workerPid), '-f', 'job_proc_lazy_main'])
    .toString()
    .trim()
    .split('\n')
    .map(Number);
}

function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  await buildAgent();
  const stack = await startStack({ database: 'pglite' });
  try {
    const owner = await signUp(stack.api.url);
    const created = await createCallSession(stack.api.url, owner, 'marigold');
    const caller = new TestCaller();
    await caller.join(created.url, created.token);
    await caller.heard.firstSpeechAfter(0);
    await caller.agentState('listening');
    const pid = jobPidOf(stack.agentLog, created.sessionId)!;
    // Baseline in the same run: an idle job process of the same worker, which does nothing all
    // along: its drift is what the allocator and the runtime do to a process that holds no call.
    const idle = jobProcesses(stack.agent.pid!).find((p) => p !== pid)!;
    const idleSamples: Array<[number, number]> = [];
    const question = await speak('tell me something about your day');
    const started = Date.now();
    const samples: Array<[number, number]> = [];
    let nextQuestion = started;
    process.stdout.write(`bench:soak ${MINUTES} min call, job pid ${pid}, idle job process ${idle}\n`);
    while (Date.now() - started < MINUTES * 60_000) {
      if (Date.now() >= nextQuestion) {
        void caller.say(question);
        nextQuestion += 20_000;
      }
      const minute = (Date.now() - started) / 60_000;
      samples.push([minute, rssMb(pid)]);
      idleSamples.push([minute, rssMb(idle)]);
      process.stdout.write(
        `  ${minute.toFixed(2)} min  rss ${samples.at(-1)![1].toFixed(1)} MB  (idle ${idleSamples.at(-1)![1].toFixed(1)} MB)\n`,
      );
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
    await caller.leave();
    const settled = samples.filter(([m]) => m >= 1);
    const idleSettled = idleSamples.filter(([m]) => m >= 1);
    process.stdout.write(
      `\njob RSS: start ${samples[0]![1].toFixed(0)} MB, end ${samples.at(-1)![1].toFixed(0)} MB, ` +
        `growth after the first minute ${slope(settled).toFixed(2)} MB/min\n` +
        `idle job process (baseline): start ${idleSamples[0]![1].toFixed(0)} MB, end ${idleSamples.at(-1)![1].toFixed(0)} MB, ` +
        `growth ${slope(idleSettled).toFixed(2)} MB/min\n` +
        `measured ${new Date().toISOString().slice(0, 10)}\n`,
    );
  } finally {
    await stack.stop();
    await dispose();
  }
}

runBench('bench:soak', main);
