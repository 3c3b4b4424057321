import { defineConfig } from 'vitest/config';

// Unit and component tests sit beside their code; cross-component tests live in test/.
// End-to-end tests share one livekit-server and two CPU cores, so they run one file at a time.
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
          // Builds the agent worker once: the tests run it as `npm start` does, as plain JavaScript.
          globalSetup: ['db/test-setup.ts', 'test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
