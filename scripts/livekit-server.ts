import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The livekit-server release this project is tested against. */
export const LIVEKIT_SERVER_VERSION = '1.13.5';
export const projectRoot = resolve(import.meta.dirname, '..');
const localBin = join(projectRoot, '.bin', 'livekit-server');

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
}

/**
 * Finds a livekit-server of the pinned minor version: on PATH, then in `.bin/`; otherwise builds
 * it into `.bin/` with `go install` when Go is present. Throws with install instructions otherwise.
 */
export async function ensureLivekitServer(
  log: (msg: string) => void = () => {},
  opts: Partial<EnsureLivekitOptions> = {},
): Promise<string> {
  const wantedMinor = LIVEKIT_SERVER_VERSION.split('.').slice(0, 2).join('.');
  const go = opts.go ?? 'go';
  for (const candidate of opts.candidates ?? ['livekit-server', localBin]) {
    const version = await versionOf(candidate);
    if (version?.startsWith(`${wantedMinor}.`)) return candidate;
    if (version) log(`ignoring ${candidate} ${version}: this project pins ${LIVEKIT_SERVER_VERSION}`);
  }
  if (!(await hasGo(go))) throw new Error(installHelp);
  log(`building livekit-server ${LIVEKIT_SERVER_VERSION} into .bin/ with go install (a few minutes, once)`);
  const gobin = join(projectRoot, '.bin', 'go');
  mkdirSync(gobin, { recursive: true });
  await run(go, ['install', `github.com/livekit/livekit-server/cmd/server@v${LIVEKIT_SERVER_VERSION}`], {
    env: { ...process.env, CGO_ENABLED: '0', GOBIN: gobin },
    maxBuffer: 64 * 1024 * 1024,
  });
  renameSync(join(gobin, 'server'), localBin);
  return localBin;
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
}

export interface RunningLivekitServer {
  url: string;
  apiKey: string;
  apiSecret: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts livekit-server in dev mode and resolves once it answers HTTP. */
export async function startLivekitServer(
  opts: Partial<LivekitServerOptions> = {},
): Promise<RunningLivekitServer> {
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
        `rtc: {tcp_port: ${port + 1}, udp_port: ${port + 2}, use_external_ip: false}`,
        `keys: {${apiKey}: ${apiSecret}}`,
        ...(opts.webhookUrls?.length
          ? [
              `webhook: {api_key: ${apiKey}, urls: [${opts.webhookUrls.map((u) => JSON.stringify(u)).join(', ')}]}`,
            ]
          : []),
        'logging: {level: warn}',
        '',
      ].join('\n'),
    );
  }
  const binary = await ensureLivekitServer();
  const child = spawn(binary, ['--dev', '--config', configPath], { stdio: opts.stdio ?? 'inherit' });
  killOnExit(child);
  const url = `ws://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`livekit-server exited with code ${code} before it was ready`)),
    ),
  );
  exited.catch(() => {});
  await Promise.race([waitForHttp(`http://127.0.0.1:${port}/`, 20_000), exited]);
  return {
    url,
    apiKey,
    apiSecret,
    process: child,
    stop: () => stopChild(child),
  };
}

async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
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

export function ensureDir(path: string): void {
  if (!existsSync(path)) mkdirSync(path, { recursive: true });
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
