import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The livekit-server release this project is tested against. */
export const LIVEKIT_SERVER_VERSION = '1.13.5';
export const projectRoot = resolve(import.meta.dirname, '..');

const installHelp = `livekit-server ${LIVEKIT_SERVER_VERSION} was not found and Go is not installed to build it.
Install one of:
  Linux:  curl -sSL https://get.livekit.io | bash        (or install Go 1.24+ and re-run npm start)
  macOS:  brew install livekit                            (or install Go 1.24+ and re-run npm start)
Or point LIVEKIT_URL at a LiveKit server you already run.`;

async function versionOf(binary: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(binary, ['--version']);
    return /(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

export interface EnsureLivekitOptions {
  /** Binaries tried in order. @defaultValue `['livekit-server', '.bin/livekit-server']` */
  candidates: string[];
  /** The Go tool used to build one. @defaultValue 'go' */
  go: string;
  /** Where a binary built with Go is put, as `livekit-server`. @defaultValue '.bin' under the project root */
  installDir: string;
}

/**
 * Finds a livekit-server of the pinned minor version: on PATH, then in `.bin/`; otherwise builds
 * it into `.bin/` with `go install` when Go is present, passing each line the build prints to
 * `log` (prefixed `go install:`). Throws with install instructions otherwise.
 */
export async function ensureLivekitServer(
  log: (msg: string) => void = () => {},
  opts: Partial<EnsureLivekitOptions> = {},
): Promise<string> {
  const wantedMinor = LIVEKIT_SERVER_VERSION.split('.').slice(0, 2).join('.');
  const go = opts.go ?? 'go';
  const installDir = opts.installDir ?? join(projectRoot, '.bin');
  const installed = join(installDir, 'livekit-server');
  for (const candidate of opts.candidates ?? ['livekit-server', installed]) {
    const version = await versionOf(candidate);
    if (version?.startsWith(`${wantedMinor}.`)) return candidate;
    if (version) log(`ignoring ${candidate} ${version}: this project pins ${LIVEKIT_SERVER_VERSION}`);
  }
  if (!(await hasGo(go))) throw new Error(installHelp);
  log(
    `building livekit-server ${LIVEKIT_SERVER_VERSION} into ${installDir} with go install ` +
      '(downloads its modules and compiles them: a few minutes, once)',
  );
  const gobin = join(installDir, 'go');
  mkdirSync(gobin, { recursive: true });
  await goInstall(
    go,
    `github.com/livekit/livekit-server/cmd/server@v${LIVEKIT_SERVER_VERSION}`,
    { ...process.env, CGO_ENABLED: '0', GOBIN: gobin },
    (line) => log(`go install: ${line}`),
  );
  renameSync(join(gobin, 'server'), installed);
  log(`built ${installed}`);
  return installed;
}

/** `go install -v`, each line of its output (module downloads, packages compiled) passed on as it comes. */
function goInstall(
  go: string,
  target: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<void> {
  return new Promise((resolveBuild, reject) => {
    const build = spawn(go, ['install', '-v', target], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    for (const stream of [build.stdout, build.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        onLine(line);
      });
    }
    build.once('error', reject);
    build.once('close', (code, signal) =>
      code === 0
        ? resolveBuild()
        : reject(new Error(`go install ${target} failed (${signal ?? `code ${code}`}):\n${tail.join('\n')}`)),
    );
  });
}

async function hasGo(go: string): Promise<boolean> {
  try {
    await run(go, ['version']);
    return true;
  } catch {
    return false;
  }
}

export interface LivekitServerOptions {
  /** Config file passed with `--config`. @defaultValue a generated file for `port` */
  configPath?: string;
  /** HTTP/WebSocket port; the RTC TCP and UDP ports are the next two. @defaultValue a free port */
  port: number;
  apiKey: string;
  apiSecret: string;
  /** Where the server's output goes. @defaultValue 'inherit' */
  stdio: 'inherit' | 'ignore' | 'pipe';
  /** URLs the server posts its webhooks to, signed with `apiKey`; only for a generated config. @defaultValue [] */
  webhookUrls: string[];
  /** What finding or building the binary says (the Go build's progress included), and a start tried again on other ports. @defaultValue nothing */
  log: (msg: string) => void;
  /**
   * Redis `host:port` (`redis.address`) that makes this server one node of a multi-node
   * deployment: rooms, their placement on nodes and the agent dispatch state live there, and
   * signalling and RPC between nodes travel over its pub/sub. Every node names the same Redis and
   * has the same API keys. Only for a generated config. @defaultValue undefined (single-node)
   */
  redisAddress?: string;
  /**
   * With `redisAddress`: the logical database (`redis.db`) the node keeps its keys in. Pub/sub
   * channels are not per database: nodes on one Redis server share one message bus whatever
   * their database. @defaultValue 0
   */
  redisDb: number;
  /**
   * The address the node advertises (`rtc.node_ip`): in its ICE candidates and in Redis, where the
   * other nodes read it. Only for a generated config. @defaultValue undefined (found from the
   * machine's interfaces, `use_external_ip: false`)
   */
  nodeIp?: string;
  /** `logging.level` of a generated config; the node ID and room placement are logged at `info`. @defaultValue 'warn' */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export interface RunningLivekitServer {
  url: string;
  apiKey: string;
  apiSecret: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A livekit-server just spawned; `ready` settles once it answers HTTP or has exited. */
export interface SpawnedLivekitServer extends RunningLivekitServer {
  ready: Promise<void>;
}

/**
 * Starts livekit-server in dev mode and resolves once it answers HTTP. Free ports are chosen and
 * then bound by the server, so another process can take one in between and the server exits before
 * it is ready (seen once in a full test run): on ports of its own choosing it then tries others, up
 * to three times.
 */
export async function startLivekitServer(
  opts: Partial<LivekitServerOptions> = {},
): Promise<RunningLivekitServer> {
  const attempts = opts.port === undefined && opts.configPath === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const { ready, ...server } = await spawnLivekitServer(opts);
    try {
      await ready;
      return server;
    } catch (err) {
      const exited = server.process.exitCode !== null || server.process.signalCode !== null;
      if (!exited || attempt >= attempts) throw err;
      opts.log?.(`${err instanceof Error ? err.message : String(err)}; trying other ports`);
    }
  }
}

/** Starts livekit-server in dev mode without waiting for it: `ready` says when it answers. */
export async function spawnLivekitServer(
  opts: Partial<LivekitServerOptions> = {},
): Promise<SpawnedLivekitServer> {
  const port = opts.port ?? (await freePortTriple());
  const apiKey = opts.apiKey ?? 'devkey';
  const apiSecret = opts.apiSecret ?? 'secret';
  let configPath = opts.configPath;
  if (!configPath) {
    configPath = join(tmpdir(), `troupe-livekit-${port}.yaml`);
    writeFileSync(
      configPath,
      [
        `port: ${port}`,
        'bind_addresses: ["127.0.0.1"]',
        `rtc: {tcp_port: ${port + 1}, udp_port: ${port + 2}, use_external_ip: false${opts.nodeIp ? `, node_ip: ${opts.nodeIp}` : ''}}`,
        `keys: {${apiKey}: ${apiSecret}}`,
        ...(opts.webhookUrls?.length
          ? [
              `webhook: {api_key: ${apiKey}, urls: [${opts.webhookUrls.map((u) => JSON.stringify(u)).join(', ')}]}`,
            ]
          : []),
        ...(opts.redisAddress
          ? [`redis: {address: ${JSON.stringify(opts.redisAddress)}, db: ${opts.redisDb ?? 0}}`]
          : []),
        `logging: {level: ${opts.logLevel ?? 'warn'}}`,
        '',
      ].join('\n'),
    );
  }
  const binary = await ensureLivekitServer(opts.log);
  const child = spawn(binary, ['--dev', '--config', configPath], { stdio: opts.stdio ?? 'inherit' });
  killOnExit(child);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`livekit-server exited (${signal ?? `code ${code}`}) before it was ready`)),
    ),
  );
  exited.catch(() => {});
  const ready = Promise.race([waitForHttp(`http://127.0.0.1:${port}/`, child, 20_000), exited]);
  ready.catch(() => {});
  return {
    url: `ws://127.0.0.1:${port}`,
    apiKey,
    apiSecret,
    process: child,
    stop: () => stopChild(child),
    ready,
  };
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // Stops polling once the server has exited; the caller reports that.
  while (child.exitCode === null && child.signalCode === null) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`livekit-server did not answer at ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveFree(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolveFree(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolveFree(true)));
  });
}

/** A port p such that p and p+1 (TCP) and p+2 (UDP) are free: livekit-server's three ports. */
export async function freePortTriple(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await tcpFree(port)) && (await tcpFree(port + 1)) && (await udpFree(port + 2))) return port;
  }
  throw new Error('no free port triple found for livekit-server');
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolveFree, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolveFree(port));
    });
  });
}

/**
 * Signals `child` to stop when this process exits (normally, or through process.exit() from a
 * signal handler), so a test or benchmark that ends early leaves no server behind. SIGTERM, not
 * SIGKILL: the agent worker must get to stop its own job processes.
 */
export function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}
