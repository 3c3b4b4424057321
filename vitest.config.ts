import { defineConfig } from 'vitest/config';

// Unit and component tests sit beside their code; cross-component tests live in test/.
// End-to-end files run one at a time, each on its own stack; the busy-machine test is its own project.
const busyMachine = 'test/faults/busy-machine.test.ts';

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
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: [busyMachine],
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
      {
        test: {
          name: 'e2e-busy',
          // It loads both cores on purpose; meant to run after the others (groupOrder), but in the
          // measured run Vitest ran it beside the unit files and the end-to-end files after both.
          include: [busyMachine],
          globalSetup: ['db/test-setup.ts', 'test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
