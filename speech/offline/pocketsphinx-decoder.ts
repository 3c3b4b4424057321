import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { close as closeFd, constants, open, write } from 'node:fs';
import { mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APIConnectionError, APITimeoutError } from '@livekit/agents';
import { isMissingExecutable, missingToolError, StderrTail, type Logger } from './tools.ts';

const openFd = promisify(open);
const writeFd = promisify(write);
const closeFdAsync = promisify(closeFd);
const run = promisify(execFile);

const WORK_DIR_PREFIX = 'troupe-pocketsphinx-';
let swept: Promise<void> | undefined;

/**
 * Removes work directories left by processes that died without closing their decoders (a crash,
 * SIGKILL). The directories are named after the owning pid; once per process is enough.
 */
function sweepStaleWorkDirs(): Promise<void> {
  swept ??= readdir(tmpdir())
    .then(async (names) => {
      for (const name of names) {
        const pid = Number(/^troupe-pocketsphinx-(\d+)-/.exec(name)?.[1]);
        if (pid && pid !== process.pid && !isAlive(pid)) {
          await rm(join(tmpdir(), name), { recursive: true, force: true });
        }
      }
    })
    .catch(() => {});
  return swept;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DecoderConfig {
  /** For logs: which search this decoder runs ('grammar', 'dictation'). */
  name: string;
  /** The pocketsphinx_batch executable. */
  executable: string;
  /** Search and model arguments; `dir` is the decoder's private work directory. */
  args: (dir: string) => string[];
  /** Files written into the work directory before start (e.g. a JSGF grammar). */
  files?: Record<string, string>;
  /**
   * Give up on one utterance after this long plus the utterance's own duration (decoding is
   * ≈ 0.2× real time, so a long monologue gets the time it needs), and restart the process.
   */
  timeoutMs: number;
}

interface Pending {
  resolve: (text: string) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  file: string;
}

interface Running {
  dir: string;
  child: ChildProcess;
  ctlFd: number;
  /** Writes to ctlFd, chained: the descriptor is closed only after the last one has finished. */
  writing: Promise<void>;
  hyp: Socket;
  pending: Map<string, Pending>;
  exited: Promise<void>;
  stderr: StderrTail;
  /** Set as soon as the process is gone: requests made after that fail at once. */
  exitError?: Error;
}

/**
 * One resident `pocketsphinx_batch` process that decodes utterance after utterance. Loading the
 * en-us language model takes ≈ 0.4 s, more than decoding a sentence, so the process is started once
 * and fed through two named pipes in a private directory: we write an utterance id to its control
 * file, it decodes `<id>.raw` (16 kHz PCM16) and writes `text (id score)` to its hypothesis file.
 * Pipes are named because the tool opens these files by path, and Node's stdio are sockets, which
 * `/dev/stdin` cannot reopen. When this process dies, the control pipe reaches end of file and the
 * decoder exits too: no orphans.
 */
export class PocketsphinxDecoder {
  readonly #config: DecoderConfig;
  readonly #logger: Logger;
  #running: Promise<Running> | undefined;
  #current: Running | undefined;
  #seq = 0;

  constructor(config: DecoderConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger.child({ decoder: config.name });
  }

  /** Decodes one utterance of 16 kHz mono PCM16; resolves with its words ('' for none). */
  async decode(pcm: Int16Array, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<string> {
    const { signal } = options;
    const timeoutMs = (options.timeoutMs ?? this.#config.timeoutMs) + Math.round(pcm.length / 16);
    signal?.throwIfAborted();
    const r = await this.#ensureRunning();
    const id = `u${++this.#seq}`;
    const file = join(r.dir, `${id}.raw`);
    await writeFile(file, new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    const text = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle(r, id)?.reject(
          new APITimeoutError({ message: `pocketsphinx took over ${timeoutMs} ms on one utterance` }),
        );
        this.#logger.warn({ timeoutMs }, 'pocketsphinx decode timed out, restarting it');
        this.#retire(r, new APIConnectionError({ message: 'pocketsphinx was restarted after a timeout' }));
        r.child.kill('SIGKILL');
      }, timeoutMs);
      r.pending.set(id, { resolve, reject, timer, file });
      this.#ref(r);
    });
    text.catch(() => {}); // awaited below; a rejection before that await must not go unhandled
    const onAbort = () =>
      this.#settle(r, id)?.reject(
        signal?.reason instanceof Error ? signal.reason : new Error('recognition aborted'),
      );
    signal?.addEventListener('abort', onAbort, { once: true });
    // The process may have died, or the caller given up, while the audio was being written.
    if (r.exitError) this.#settle(r, id)?.reject(r.exitError);
    if (signal?.aborted) onAbort();
    try {
      if (r.pending.has(id)) {
        r.writing = r.writing.then(() =>
          writeFd(r.ctlFd, `${id}\n`).then(
            () => {},
            (error: Error) => void this.#settle(r, id)?.reject(r.exitError ?? error),
          ),
        );
      }
      return await text;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Starts the process if it is not running (decoding also does this on demand). */
  async start(): Promise<void> {
    await this.#ensureRunning();
  }

  /** Stops the process and removes its work directory. */
  async close(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    this.#current = undefined;
    const r = await running?.catch(() => undefined);
    if (!r) return;
    this.#ref(r); // an idle decoder is unref'd: without this, awaiting its exit could end the process
    r.child.kill('SIGTERM');
    await r.exited;
  }

  #ensureRunning(): Promise<Running> {
    if (!this.#running) {
      const starting = this.#start();
      this.#running = starting;
      starting.catch(() => {
        if (this.#running === starting) this.#running = undefined;
      });
    }
    return this.#running;
  }

  async #start(): Promise<Running> {
    const { executable, files = {} } = this.#config;
    await sweepStaleWorkDirs();
    const dir = await mkdtemp(join(tmpdir(), `${WORK_DIR_PREFIX}${process.pid}-`));
    try {
      for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
      const ctlPath = join(dir, 'ctl.fifo');
      const hypPath = join(dir, 'hyp.fifo');
      await run('mkfifo', [ctlPath, hypPath]);
      // O_RDWR on a FIFO never blocks on open and keeps it open from our side: the decoder can
      // open its ends at any time, and sees end of file only when this process is gone.
      const ctlFd = await openFd(ctlPath, constants.O_RDWR);
      const hypFd = await openFd(hypPath, constants.O_RDWR | constants.O_NONBLOCK);
      const hyp = new Socket({ fd: hypFd, readable: true, writable: false });
      const args = [
        ...this.#config.args(dir),
        ...['-adcin', 'yes', '-cepdir', dir, '-cepext', '.raw', '-ctl', ctlPath, '-hyp', hypPath],
      ];
      const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      const stderr = new StderrTail(6, (line) => /\b(ERROR|FATAL|WARN)/.test(line));
      child.stderr?.on('data', (d: Buffer) => stderr.push(d));
      const r: Running = {
        dir,
        child,
        ctlFd,
        writing: Promise.resolve(),
        hyp,
        pending: new Map(),
        exited: Promise.resolve(),
        stderr,
      };
      r.exited = new Promise<void>((resolve) => {
        let spawnError: Error | undefined;
        child.once('error', (error) => {
          spawnError = isMissingExecutable(error)
            ? missingToolError({ command: executable, packages: ['pocketsphinx', 'pocketsphinx-en-us'] })
            : error;
        });
        child.once('close', (code, signal) => {
          void this.#onExit(r, spawnError, code, signal).finally(resolve);
        });
      });
      let buffered = '';
      hyp.setEncoding('utf8');
      hyp.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          this.#onHypothesis(r, buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      });
      this.#unref(r);
      this.#current = r;
      this.#logger.debug({ pid: child.pid, dir }, 'pocketsphinx started');
      return r;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A line of the hypothesis file: `words words (id score)`. */
  #onHypothesis(r: Running, line: string): void {
    const m = /^(.*?)\s*\((\S+) -?\d+\)\s*$/.exec(line);
    if (!m) return;
    const p = this.#settle(r, m[2]!);
    // Filler and noise tokens (<sil>, [NOISE], ++UH++) are not words the caller said.
    p?.resolve(
      m[1]!
        .split(/\s+/)
        .filter((w) => w && !/^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(w))
        .map((w) => w.replace(/\(\d+\)$/, ''))
        .join(' '),
    );
  }

  /** Removes a request from the pending set (once), cleaning up its timer and audio file. */
  #settle(r: Running, id: string): Pending | undefined {
    const p = r.pending.get(id);
    if (!p) return undefined;
    r.pending.delete(id);
    clearTimeout(p.timer);
    void unlink(p.file).catch(() => {});
    if (r.pending.size === 0) this.#unref(r);
    return p;
  }

  /**
   * Takes a process out of service at once (before it has actually exited): later decodes start a
   * fresh one, and the requests it still holds fail with `error`.
   */
  #retire(r: Running, error: Error): void {
    r.exitError ??= error;
    if (this.#current === r) {
      this.#current = undefined;
      this.#running = undefined;
    }
    for (const id of [...r.pending.keys()]) this.#settle(r, id)?.reject(r.exitError);
  }

  async #onExit(r: Running, spawnError: Error | undefined, code: number | null, signal: string | null) {
    if (r.pending.size > 0 || spawnError) {
      this.#logger.warn(
        { code, signal, stderr: r.stderr.toString(), error: spawnError?.message },
        'pocketsphinx exited',
      );
    }
    this.#retire(
      r,
      spawnError ??
        new APIConnectionError({
          message: `pocketsphinx_batch exited (code ${code}, signal ${signal}): ${r.stderr.toString() || 'no error output'}`,
          options: { retryable: true },
        }),
    );
    r.hyp.destroy();
    await r.writing;
    await closeFdAsync(r.ctlFd).catch(() => {});
    await rm(r.dir, { recursive: true, force: true });
  }

  // An idle decoder must not keep the process alive (a worker exits when its jobs are done); a
  // decoder with work in flight must, or an `await recognize()` could be cut short.
  #ref(r: Running): void {
    r.child.ref();
    r.hyp.ref();
    (r.child.stderr as Socket | null)?.ref();
  }

  #unref(r: Running): void {
    r.child.unref();
    r.hyp.unref();
    (r.child.stderr as Socket | null)?.unref();
  }
}
