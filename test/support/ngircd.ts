// A real IRC server for chat tests: Debian's ngircd, one per test file, on a free loopback port,
// with a generated configuration, in the foreground; `stop()` ends it.
//
// tmi.js only speaks IRC over WebSocket (ws://host:port/, as Twitch's gateway does), and ngircd only
// plain TCP. `twitchGateway` is a small WebSocket ↔ TCP pipe standing in for Twitch's gateway: one
// TCP connection to ngircd per WebSocket, one IRC line per frame. It bridges the two places where
// Twitch's registration differs from RFC IRC, and nothing else: after `NICK` it adds the `USER` and
// `CAP END` that Twitch does not need but ngircd waits for; tmi.js's bare `PING` gets a parameter,
// and the server's `PONG` loses its prefix, as Twitch sends it. PASS is checked by the gateway
// (Twitch checks tokens itself; ngircd would reject any PASS without a server password). The server is named `tmi.twitch.tv`
// because tmi.js only accepts the welcome (376) from that name.
//
// ngircd knows no IRCv3 tags and none of Twitch's own commands. As Twitch does, the gateway gives
// every PRIVMSG it passes on a message id (`@id=<uuid>;tmi-sent-ts=<ms>`), and `inject()` sends a
// raw line as Twitch's server would (CLEARMSG, CLEARCHAT, tagged USERNOTICE) to every tmi.js
// connection: the moderation a Twitch moderator would do, delivered in order with the chat.

import { randomUUID } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';

export interface Ngircd {
  host: string;
  /** Plain IRC port (raw clients). */
  port: number;
  /** WebSocket port of the gateway (tmi.js). */
  wsPort: number;
  /** Every PASS the gateway was sent, in order (the OAuth tokens tmi.js logged in with). */
  passes: string[];
  /**
   * Sends `line` (e.g. `@login=bob;target-msg-id=… :tmi.twitch.tv CLEARMSG #c :text`) to every
   * tmi.js connection, after whatever the gateway already passed on; resolves once it is written.
   */
  inject(line: string): Promise<void>;
  /** Opens a registered raw IRC connection under `nick`. */
  client(nick: string): Promise<RawIrc>;
  stop(): Promise<void>;
}

export interface NgircdOptions {
  /**
   * OAuth tokens (without `oauth:`) the gateway accepts, as Twitch would; anonymous logins
   * (`PASS SCHMOOPIIE`) always pass. Any other PASS gets Twitch's "Login authentication failed".
   * @defaultValue []
   */
  acceptTokens: string[];
}

export const defaultNgircdOptions: NgircdOptions = { acceptTokens: [] };

function findNgircd(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'ngircd');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error('ngircd not found: these tests need a real IRC server (Debian: apt-get install ngircd)');
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts ngircd and its WebSocket gateway. */
export async function startNgircd(options: Partial<NgircdOptions> = {}): Promise<Ngircd> {
  const binary = findNgircd();
  const dir = await mkdtemp(path.join(tmpdir(), 'troupe-ngircd-'));
  const port = await freePort();
  const conf = path.join(dir, 'ngircd.conf');
  // No server password (PASS is accepted and ignored); no penalties, so a flood is read as sent;
  // nick length for `justinfan12345`-style names; no DNS/ident look-ups to wait for.
  await writeFile(
    conf,
    [
      '[Global]',
      'Name = tmi.twitch.tv',
      'Info = Troupe test IRC server',
      'AdminInfo1 = Troupe tests',
      'AdminInfo2 = loopback',
      'AdminEMail = tests@localhost',
      'Listen = 127.0.0.1',
      `Ports = ${port}`,
      'MotdPhrase = troupe test server',
      '[Limits]',
      'MaxConnectionsIP = 0',
      'MaxJoins = 0',
      'MaxNickLength = 30',
      'MaxPenaltyTime = 0',
      'PingTimeout = 300',
      '[Options]',
      'DNS = no',
      'Ident = no',
      'PAM = no',
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['-n', '-f', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`:${port} (socket`) || output.includes('ready.')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`ngircd exited with ${code}:\n${output}`)));
    setTimeout(() => reject(new Error(`ngircd did not start within 10 s:\n${output}`)), 10_000).unref();
  });
  const passes: string[] = [];
  const gateway = await twitchGateway(port, { ...defaultNgircdOptions, ...options }, passes);
  return {
    host: '127.0.0.1',
    port,
    wsPort: gateway.port,
    passes,
    inject: gateway.inject,
    client: (nick) => RawIrc.connect('127.0.0.1', port, nick),
    async stop() {
      await gateway.close();
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The WebSocket ↔ TCP pipe described at the top of this file. */
async function twitchGateway(
  ircPort: number,
  options: NgircdOptions,
  gatewayPasses: string[],
): Promise<{ port: number; inject(line: string): Promise<void>; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const sockets = new Set<Socket>();
  wss.on('connection', (ws) => {
    const tcp = connect(ircPort, '127.0.0.1');
    sockets.add(tcp);
    let pending = '';
    tcp.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\r\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') continue;
        if (/^:\S+ PONG\b/u.test(line)) ws.send('PONG :tmi.twitch.tv');
        else if (/^:\S+ PRIVMSG /u.test(line))
          ws.send(`@id=${randomUUID()};tmi-sent-ts=${Date.now()} ${line}`);
        else ws.send(line);
      }
    });
    tcp.on('close', () => {
      sockets.delete(tcp);
      ws.close();
    });
    tcp.on('error', () => ws.terminate());
    ws.on('message', (data) => {
      for (const line of data.toString().split(/\r?\n/u)) {
        if (line === '') continue;
        const pass = /^PASS\s+(.*)$/iu.exec(line)?.[1];
        if (pass !== undefined) {
          // Twitch checks the token itself; ngircd would want a server password instead.
          gatewayPasses.push(pass);
          if (pass !== 'SCHMOOPIIE' && !options.acceptTokens.includes(pass.replace(/^oauth:/u, ''))) {
            ws.send(':tmi.twitch.tv NOTICE * :Login authentication failed');
            ws.close();
            tcp.destroy();
          }
          continue;
        }
        tcp.write(`${line === 'PING' ? 'PING :tmi.twitch.tv' : line}\r\n`);
        const nick = /^NICK\s+(\S+)/iu.exec(line)?.[1];
        if (nick) tcp.write(`USER ${nick} 0 * :${nick}\r\nCAP END\r\n`);
      }
    });
    ws.on('close', () => tcp.end());
    ws.on('error', () => tcp.destroy());
  });
  return {
    port: (wss.address() as AddressInfo).port,
    inject: async (line) => {
      await Promise.all(
        [...wss.clients]
          .filter((ws) => ws.readyState === ws.OPEN)
          .map(
            (ws) =>
              new Promise<void>((resolve, reject) => ws.send(line, (err) => (err ? reject(err) : resolve()))),
          ),
      );
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Whether `line` is a JOIN of `channel` (servers send the channel as `#c` or `:#c`). */
export const isJoin = (line: string, channel: string): boolean =>
  new RegExp(`^:\\S+ JOIN :?${channel.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}(?:\\s|$)`, 'iu').test(line);

/** A plain IRC client over TCP: what a second chatter (or a flood of them) looks like. */
export class RawIrc {
  readonly nick: string;
  readonly lines: string[] = [];
  readonly #socket: Socket;
  readonly #waiters = new Set<() => void>();
  #pending = '';

  private constructor(socket: Socket, nick: string) {
    this.#socket = socket;
    this.nick = nick;
    socket.on('data', (chunk: Buffer) => {
      this.#pending += chunk.toString('utf8');
      const parts = this.#pending.split('\r\n');
      this.#pending = parts.pop() ?? '';
      for (const line of parts) {
        if (line.startsWith('PING ')) socket.write(`PONG ${line.slice(5)}\r\n`);
        // Keep only what tests look at; a flood's echoes would otherwise pile up here.
        if (this.lines.length < 5_000) this.lines.push(line);
      }
      for (const w of this.#waiters) w();
    });
  }

  static async connect(host: string, port: number, nick: string): Promise<RawIrc> {
    const socket = connect(port, host);
    await once(socket, 'connect');
    const client = new RawIrc(socket, nick);
    client.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick}`);
    await client.waitFor((l) => / 376 | 422 /u.test(l), 'the welcome');
    return client;
  }

  send(...lines: string[]): void {
    this.#socket.write(lines.map((l) => `${l}\r\n`).join(''));
  }

  /** Resolves with the first line (seen so far or later) that matches. */
  waitFor(match: (line: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.lines.find(match);
        if (line === undefined) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(line);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`${this.nick}: no line with ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  async join(channel: string): Promise<void> {
    this.send(`JOIN ${channel}`);
    await this.waitFor((l) => l.startsWith(`:${this.nick}!`) && isJoin(l, channel), `our JOIN of ${channel}`);
  }

  say(channel: string, text: string): void {
    this.send(`PRIVMSG ${channel} :${text}`);
  }

  async quit(): Promise<void> {
    if (this.#socket.destroyed) return;
    const closed = once(this.#socket, 'close');
    this.send('QUIT :bye');
    this.#socket.end();
    const timer = setTimeout(() => this.#socket.destroy(), 2_000);
    await closed;
    clearTimeout(timer);
  }
}
