import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type StageCharacter, type StageVideoOptions, ffmpegArgs, stageFiles } from './ffmpeg-args.ts';

export type OutputState = 'connecting' | 'live' | 'reconnecting' | 'stopped';

export interface RtmpOutputOptions {
  /** The stage's size, frame rate, bitrates and font. @defaultValue defaultStageVideoOptions */
  video: Partial<StageVideoOptions>;
  /** The ffmpeg executable, a name on PATH or a path. @defaultValue 'ffmpeg' */
  ffmpeg: string;
  /** First wait before reconnecting after the ingest dropped; doubles each failure. @defaultValue 1000 */
  reconnectMinMs: number;
  /** @defaultValue 30000 */
  reconnectMaxMs: number;
  /** A run this long resets the backoff. @defaultValue 30000 */
  stableAfterMs: number;
  /** Lines of captions kept on screen (newest last). @defaultValue 2 */
  captionLines: number;
  /** Chat lines kept on screen. @defaultValue 6 */
  chatLines: number;
}

export const defaultRtmpOutputOptions: RtmpOutputOptions = {
  video: {},
  ffmpeg: 'ffmpeg',
  reconnectMinMs: 1000,
  reconnectMaxMs: 30_000,
  stableAfterMs: 30_000,
  captionLines: 2,
  chatLines: 6,
};

export interface OutputStatus {
  state: OutputState;
  /** Connection attempts so far (1 for the first). */
  attempts: number;
  /** ffmpeg's last words when it stopped on its own; never contains a target URL. */
  lastError: string | null;
}

/** Wraps text at `width` characters, keeping whole words. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * The built-in broadcast output: one ffmpeg process pushing FLV over RTMP, fed the program audio on
 * stdin and drawing the stage from text files. When the ingest drops, ffmpeg exits and is started
 * again with backoff; meanwhile audio is dropped (counted), so the conversation never waits on it.
 * RTMP URLs carry stream keys: they go to ffmpeg's argv only, never to a log or a status.
 */
export class RtmpOutput {
  readonly #o: RtmpOutputOptions;
  readonly #characters: readonly StageCharacter[];
  readonly #targets: readonly string[];
  readonly #dir = mkdtempSync(join(tmpdir(), 'troupe-stage-'));
  readonly #listeners = new Set<(s: OutputStatus) => void>();
  #proc: ChildProcess | null = null;
  #status: OutputStatus = { state: 'stopped', attempts: 0, lastError: null };
  #stopping = false;
  #retry: NodeJS.Timeout | null = null;
  #failures = 0;
  #captions: string[] = [];
  #chat: string[] = [];
  /** Bytes of audio written to ffmpeg, and dropped while it was down or behind. */
  readonly audio = { written: 0, dropped: 0 };

  constructor(
    characters: readonly StageCharacter[],
    targets: readonly string[],
    opts: Partial<RtmpOutputOptions> = {},
  ) {
    this.#o = { ...defaultRtmpOutputOptions, ...opts };
    this.#characters = characters;
    this.#targets = targets;
    const files = stageFiles(this.#dir);
    this.#write(files.captions, '');
    this.#write(files.chat, '');
    characters.forEach((_, i) => this.#write(files.speaking(i), ''));
  }

  get status(): OutputStatus {
    return this.#status;
  }

  onStatus(listener: (s: OutputStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    this.#stopping = false;
    this.#spawn();
  }

  /** Program audio, s16le 48 kHz stereo interleaved; dropped while ffmpeg is down or behind. */
  writeAudio(pcm: Int16Array): void {
    const stdin = this.#proc?.stdin;
    const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    if (!stdin || !stdin.writable || stdin.writableNeedDrain) {
      this.audio.dropped += bytes.length;
      return;
    }
    stdin.write(bytes);
    this.audio.written += bytes.length;
  }

  /** Marks who is speaking on the stage. */
  setSpeaking(characterId: string | null): void {
    const files = stageFiles(this.#dir);
    this.#characters.forEach((c, i) =>
      this.#write(files.speaking(i), c.id === characterId ? '● speaking' : ''),
    );
  }

  /** Shows a caption line (who said what), keeping the last few. */
  caption(speaker: string, text: string): void {
    this.#captions = [...this.#captions, ...wrap(`${speaker}: ${text}`, 64)].slice(-this.#o.captionLines);
    this.#write(stageFiles(this.#dir).captions, this.#captions.join('\n'));
  }

  /** Shows a chat line in the chat panel. */
  chat(user: string, text: string): void {
    this.#chat = [...this.#chat, ...wrap(`${user}: ${text}`, 34).slice(0, 2)].slice(-this.#o.chatLines);
    this.#write(stageFiles(this.#dir).chat, this.#chat.join('\n'));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = null;
    const proc = this.#proc;
    if (proc && proc.exitCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.stdin?.end();
      proc.kill('SIGINT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    this.#set({ state: 'stopped' });
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #spawn(): void {
    this.#set({
      state: this.#status.attempts === 0 ? 'connecting' : 'reconnecting',
      attempts: this.#status.attempts + 1,
    });
    const args = ffmpegArgs(this.#characters, this.#targets, this.#dir, this.#o.video);
    const proc = spawn(this.#o.ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
    this.#proc = proc;
    const startedAt = Date.now();
    const errors: string[] = [];
    proc.stdin?.on('error', () => undefined); // EPIPE when ffmpeg dies; the exit handler deals with it
    createInterface({ input: proc.stderr as Readable }).on('line', (line) => {
      errors.push(this.#redact(line));
      if (errors.length > 20) errors.shift();
    });
    // `-progress pipe:3`: key=value blocks; frames going out means the ingest took the stream.
    createInterface({ input: proc.stdio[3] as Readable }).on('line', (line) => {
      if (this.#status.state !== 'live' && /^frame=[1-9]/.test(line))
        this.#set({ state: 'live', lastError: null });
    });
    proc.once('error', (err) => errors.push(err.message));
    proc.once('exit', () => {
      if (this.#proc === proc) this.#proc = null;
      if (this.#stopping) return;
      this.#failures = Date.now() - startedAt >= this.#o.stableAfterMs ? 1 : this.#failures + 1;
      const wait = Math.min(this.#o.reconnectMaxMs, this.#o.reconnectMinMs * 2 ** (this.#failures - 1));
      this.#set({ state: 'reconnecting', lastError: errors.at(-1) ?? 'ffmpeg exited' });
      this.#retry = setTimeout(() => {
        this.#retry = null;
        if (!this.#stopping) this.#spawn();
      }, wait);
    });
  }

  /** ffmpeg repeats its output URL in errors; a stream key must not reach a status or a log. */
  #redact(line: string): string {
    let out = line;
    for (const t of this.#targets) out = out.split(t).join('rtmp://[redacted]');
    return out.replace(/rtmps?:\/\/\S+/g, 'rtmp://[redacted]');
  }

  #set(patch: Partial<OutputStatus>): void {
    this.#status = { ...this.#status, ...patch };
    for (const l of this.#listeners) l(this.#status);
  }

  #write(file: string, text: string): void {
    // drawtext re-reads the file every frame: replace it whole, never let ffmpeg see half of it.
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
}
