/**
 * Runs a benchmark's `main`, exiting 0 when it finishes and 1 with its error otherwise. Ctrl-C
 * exits through process.exit, so the servers a run started (killOnExit) stop with it.
 */
export function runBench(name: string, main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`${name} failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}
