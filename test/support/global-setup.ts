import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { buildAgent } from '../../scripts/build-agent.ts';
import { projectRoot } from '../../scripts/livekit-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The web client built once for the run (test/support/browser.ts `builtWeb`). */
    webDist: string;
  }
}

/**
 * Once per end-to-end run: the agent worker as plain JavaScript, as `npm start` runs it, and the
 * web client, which every browser test serves (each building its own took 10–20 s a file).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const webDist = mkdtempSync(join(tmpdir(), 'troupe-web-'));
  await Promise.all([
    buildAgent(),
    build({
      configFile: join(projectRoot, 'web/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: webDist, emptyOutDir: true },
    }),
  ]);
  project.provide('webDist', webDist);
  return () => rmSync(webDist, { recursive: true, force: true });
}
