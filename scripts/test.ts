import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { projectRoot } from './livekit-server.ts';

// `npm run test:side-by-side`: the unit project and the end-to-end project as two Vitest runs at
// once. One Vitest run cannot do this: it runs a project whose files go one at a time (the
// end-to-end files, each a real stack) after every other project, so the unit files' time is added
// to the end-to-end files'. Not `npm test`'s default: on 2 cores the group call's VAD fell behind
// real time beside the unit files and its spoken checks failed. Each line is prefixed with its
// run's name; the exit code is non-zero when either run fails.

interface Run {
  name: string;
  args: string[];
}

const runs: Run[] = [
  // One unit file at a time here (two when run alone), so the end-to-end calls keep a core for
  // their real-time audio: on a more loaded machine their VAD fell behind real time.
  { name: 'unit', args: ['--project', 'unit', '--maxWorkers', '1'] },
  { name: 'e2e', args: ['--project', 'e2e'] },
];

const extra = process.argv.slice(2);
const vitest = `${projectRoot}/node_modules/vitest/vitest.mjs`;

function run({ name, args }: Run): Promise<{ name: string; code: number; seconds: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [vitest, 'run', ...args, ...extra], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`[${name}] ${line}\n`));
  return new Promise((resolve) => {
    child.on('close', (code, signal) =>
      resolve({ name, code: code ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000 }),
    );
  });
}

const started = Date.now();
const results = await Promise.all(runs.map(run));
for (const r of results)
  process.stdout.write(
    `[test] ${r.name}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(0)} s\n`,
  );
process.stdout.write(`[test] Vitest wall time ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
