import { pathToFileURL } from 'node:url';
import { readApiConfigOrExit } from './config.ts';
import { createLogger } from './logger.ts';
import { startApi } from './server.ts';

export { startApi, type RunningApi, type StartApiOptions } from './server.ts';

async function main(): Promise<void> {
  const config = readApiConfigOrExit();
  const logger = createLogger(config);
  const api = await startApi(config, { logger });
  logger.info({ url: api.url, database: api.db.kind }, 'api listening');
  process.stdout.write(`Troupe API listening on ${api.url}\n`);
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'api stopping');
    api.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'api did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Runs only as the entry point (`npm run api`); importing this module just exposes startApi.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`troupe api failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
