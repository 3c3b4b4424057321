import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { dispose } from '@livekit/rtc-node';
import type { SessionDetail } from '../protocol/index.ts';
import { buildAgent } from '../scripts/build-agent.ts';
import { speak } from '../test/support/audio.ts';
import { type SignedUp, signUp } from '../test/support/auth.ts';
import {
  type TimedCall,
  SEEDED_COMPANIONS,
  cpuBurners,
  jobPidOf,
  jobsInRoom,
  nextJobJoins,
  parentPid,
  percentile,
  sessionOf,
  startCall,
} from '../test/support/faults.ts';
import { type Stack, type StackOptions, startStack } from '../test/support/stack.ts';
import { runBench } from './run.ts';

// bench:faults — does every call get its character, how fast, and what survives a fault.
// Part 1: 1, 6 and 12 calls started together, with and without a busy loop on each core, on
// Troupe's defaults and on the settings of the last wave (CPU load measure, one idle process, the
// worker transpiled by tsx at start, no confirmed dispatch), in the same run.
// Part 2: real faults mid-call on the defaults (kill -9 of a job, of a worker, the API down 30 s),
// one row each: turns spoken and stored, duplicates, lost, and the time until the caller hears
// the character again.

const ROUNDS = [1, 6, 12];
const ARRIVAL_CAP_MS = 30_000;
const QUESTION = 'what do you like to do on weekends';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (v: number) => (Number.isFinite(v) ? String(Math.round(v)) : '—');

interface Arrival {
  /** Session created → the job in the room, as the job logs it (its first line, right after it connected). */
  startedMs: number[];
  joinedMs: number[];
  heardMs: number[];
  lost: number;
}

/**
 * When each session's job logged its first line (it logs once it is connected to the room), read
 * as the worker prints it: the stack keeps only the last lines, too few for twelve calls.
 */
function watchJobStarts(worker: ChildProcess): Map<string, number> {
  const first = new Map<string, number>();
  for (const stream of [worker.stdout, worker.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      const id = /"sessionId":"([0-9a-f-]{36})"/.exec(line)?.[1];
      if (!id || first.has(id)) return;
      const time = Number(/"time":(\d+)/.exec(line)?.[1]);
      if (time) first.set(id, time);
    });
  }
  return first;
}

/** Starts `n` calls at once; times session created → job in the room and → first audio. */
async function arrivals(
  stack: Stack,
  owner: SignedUp,
  n: number,
  jobStarts: Map<string, number>,
): Promise<Arrival> {
  const calls = await Promise.all(SEEDED_COMPANIONS.slice(0, n).map((id) => startCall(stack, owner, id)));
  const capped = <T>(p: Promise<T>) =>
    Promise.race([p, settle(ARRIVAL_CAP_MS).then(() => undefined)]) as Promise<T | undefined>;
  const results = await Promise.all(
    calls.map(async (call) => {
      const joined = capped(nextJobJoins(call.caller, undefined).then(() => Date.now()));
      const heard = capped(call.firstHeard);
      return { call, joined: await joined, heard: await heard };
    }),
  );
  for (const { call } of results) {
    await call.caller.leave().catch(() => {});
    await fetch(`${stack.api.url}/api/sessions/${call.created.sessionId}/end`, {
      method: 'POST',
      headers: owner.headers,
    });
  }
  // Let the jobs end and the worker warm its processes again before the next round.
  await settle(10_000);
  return {
    startedMs: results.flatMap((r) => {
      const at = jobStarts.get(r.call.created.sessionId);
      return at ? [at - r.call.createdAt] : [];
    }),
    joinedMs: results.flatMap((r) => (r.joined ? [r.joined - r.call.createdAt] : [])),
    heardMs: results.flatMap((r) => (r.heard ? [r.heard - r.call.createdAt] : [])),
    lost: results.filter((r) => !r.heard).length,
  };
}

async function arrivalTable(label: string, opts: Partial<StackOptions>): Promise<string[]> {
  const stack = await startStack({ database: 'pglite', ...opts });
  const rows: string[] = [];
  try {
    const owner = await signUp(stack.api.url);
    const jobStarts = watchJobStarts(stack.agent);
    for (const busy of [false, true]) {
      for (const n of ROUNDS) {
        const burners = busy ? cpuBurners(2) : undefined;
        const a = await arrivals(stack, owner, n, jobStarts).finally(() => burners?.stop());
        const row = `| ${label} | ${n} | ${busy ? 'yes' : 'no'} | ${fmt(percentile(a.startedMs, 50))} / ${fmt(percentile(a.startedMs, 95))} | ${fmt(percentile(a.joinedMs, 50))} / ${fmt(percentile(a.joinedMs, 95))} | ${fmt(percentile(a.heardMs, 50))} / ${fmt(percentile(a.heardMs, 95))} / ${fmt(Math.max(...a.heardMs))} | ${a.lost} |`;
        process.stdout.write(`${row}\n`);
        rows.push(row);
      }
    }
  } finally {
    await stack.stop();
  }
  return rows;
}

interface FaultRow {
  fault: string;
  calls: number;
  spoken: number;
  stored: number;
  duplicates: number;
  lost: number;
  recoverMs: number[];
}

async function greeted(stack: Stack, owner: SignedUp, id: string): Promise<TimedCall> {
  const call = await startCall(stack, owner, id);
  await call.firstHeard;
  await call.caller.agentState('listening');
  return call;
}

async function ask(call: TimedCall): Promise<void> {
  const end = await call.caller.say(await speak(QUESTION));
  await call.caller.heard.firstSpeechAfter(end);
  await call.caller.agentState('listening');
}

/** Stored user turns, duplicates (same speaker, words and start under two ids) and lost ones. */
async function tally(stack: Stack, owner: SignedUp, id: string, spoken: number) {
  await settle(2000);
  const s: SessionDetail = await sessionOf(stack, owner, id);
  const users = s.transcript.filter((t) => t.role === 'user');
  const keys = s.transcript.map((t) => `${t.speaker}|${t.text}|${t.startedAt}`);
  return {
    stored: users.length,
    duplicates: keys.length - new Set(keys).size,
    lost: Math.max(0, spoken - users.length),
  };
}

// On Postgres: the API is restarted in the run, and an in-memory PGlite would start empty.
async function faultTable(): Promise<FaultRow[]> {
  const stack = await startStack({ agentEnv: { OFFLINE_STT_PHRASES: QUESTION } });
  const rows: FaultRow[] = [];
  try {
    const owner = await signUp(stack.api.url);
    const workers = [{ process: stack.agent, log: stack.agentLog }];
    workers.push(await stack.addWorker());
    const logs = () => workers.flatMap((w) => w.log);

    /** Greets, asks, kills what `kill` kills mid-call, times the way back, asks again, counts turns. */
    const killRounds = async (fault: string, ids: string[], kill: (jobPid: number) => Promise<void>) => {
      const row: FaultRow = { fault, calls: 0, spoken: 0, stored: 0, duplicates: 0, lost: 0, recoverMs: [] };
      for (const id of ids) {
        const call = await greeted(stack, owner, id);
        await ask(call);
        const before = jobsInRoom(call.caller)[0]?.identity;
        const at = Date.now();
        await kill(jobPidOf(logs(), call.created.sessionId)!);
        await nextJobJoins(call.caller, before);
        row.recoverMs.push((await call.caller.heard.firstSpeechAfter(at)).at - at);
        await call.caller.agentState('listening');
        await ask(call);
        const t = await tally(stack, owner, call.created.sessionId, 2);
        row.calls += 1;
        row.spoken += 2;
        row.stored += t.stored;
        row.duplicates += t.duplicates;
        row.lost += t.lost;
        await call.caller.leave();
      }
      return row;
    };
    rows.push(
      await killRounds('kill -9 job process', ['marigold', 'walt', 'percy'], async (pid) => {
        process.kill(pid, 'SIGKILL');
      }),
    );
    rows.push(
      await killRounds('kill -9 worker', ['barnaby', 'theo'], async (pid) => {
        workers
          .find((w) => w.process.exitCode === null && parentPid(pid) === w.process.pid)!
          .process.kill('SIGKILL');
        workers.push(await stack.addWorker()); // as `npm start` restarts it
      }),
    );

    const apiDown: FaultRow = {
      fault: 'API down 30 s',
      calls: 1,
      spoken: 3,
      stored: 0,
      duplicates: 0,
      lost: 0,
      recoverMs: [],
    };
    const call = await greeted(stack, owner, 'irina');
    await stack.stopApi();
    const downAt = Date.now();
    for (let i = 0; i < 3; i++) await ask(call); // the call goes on while the API is away
    await settle(Math.max(0, 30_000 - (Date.now() - downAt)));
    await stack.startApi();
    await settle(8000); // the agent's retries back off up to 5 s
    Object.assign(apiDown, await tally(stack, owner, call.created.sessionId, 3));
    await call.caller.leave();
    rows.push(apiDown);
  } finally {
    await stack.stop();
  }
  return rows;
}

runBench('bench:faults', async () => {
  await buildAgent();
  process.stdout.write(
    `bench:faults ${new Date().toISOString()}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n\n`,
  );
  process.stdout.write(
    '| settings | calls at once | busy cores | job in the room p50 / p95 ms | caller sees it p50 / p95 ms | first audio p50 / p95 / max ms | never arrived (30 s) |\n',
  );
  process.stdout.write('| --- | --- | --- | --- | --- | --- | --- |\n');
  // BENCH_FAULTS_PART=faults runs part 2 only; =arrivals Troupe's arrivals only.
  const part = process.env.BENCH_FAULTS_PART;
  if (part !== 'faults') await arrivalTable('Troupe defaults', {});
  if (part === undefined)
    await arrivalTable('last wave (cpu load, 1 idle, tsx, unconfirmed)', {
      worker: 'tsx',
      agentEnv: { AGENT_LOAD_MEASURE: 'cpu', AGENT_IDLE_PROCESSES: '1' },
      apiEnv: { AGENT_JOIN_TIMEOUT_MS: '600000', AGENT_DISPATCH_ATTEMPTS: '1' },
    });
  if (part === 'arrivals') return;
  process.stdout.write(
    '\n| fault | calls | user turns spoken | stored | duplicates | lost | heard again p50 / max ms |\n',
  );
  process.stdout.write('| --- | --- | --- | --- | --- | --- | --- |\n');
  for (const r of await faultTable())
    process.stdout.write(
      `| ${r.fault} | ${r.calls} | ${r.spoken} | ${r.stored} | ${r.duplicates} | ${r.lost} | ${r.recoverMs.length ? `${fmt(percentile(r.recoverMs, 50))} / ${fmt(Math.max(...r.recoverMs))}` : '—'} |\n`,
    );
  await dispose();
});
