import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in's HTTP server once it listens. */
export interface ListeningServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Drops open connections, then stops listening: a test's teardown never waits on a keep-alive. */
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 at a free port. */
export async function listenOnFreePort(server: Server): Promise<ListeningServer> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
