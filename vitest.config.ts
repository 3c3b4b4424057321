import { defineConfig } from 'vitest/config';

// Unit and component tests sit beside their code; cross-component tests live in test/.
// End-to-end files run one at a time, each on its own stack. `npm test` is one Vitest run: it
// starts a project whose files go one at a time only after every other project has finished, so
// the unit files run first. `npm run test:side-by-side` (scripts/test.ts) runs the two at once.

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Vitest's default is one worker fewer than the cores (one, on 2 cores); most of these
          // files wait on a database or a socket as much as they compute.
          maxWorkers: 2,
          include: ['{agent,api,db,protocol,speech,web,scripts}/**/*.test.ts'],
          // The migrated databases every test database is copied from, built once per run.
          globalSetup: ['db/test-setup.ts'],
          // A guard against hangs, not a speed bound: a child process that starts the API (tsx,
          // migrations) took over 30 s on busy cores (beside the end-to-end files, side by side).
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          // Builds the agent worker and the web client once: the tests run the worker as
          // `npm start` does, as plain JavaScript.
          globalSetup: ['db/test-setup.ts', 'test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One file at a time: each has its own livekit-server, API, worker and database, but two
          // at once on 2 cores (beside the unit files) made spoken barge-in miss its bound.
          fileParallelism: false,
        },
      },
    ],
  },
});
