import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeTcpPort, killOnExit, stopChild } from '../../scripts/livekit-server.ts';

const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

/** A real RTMP ingest: nginx with Debian's libnginx-mod-rtmp, recording every stream it receives. */
export interface RtmpIngest {
  /** `rtmp://127.0.0.1:<port>/live` — append `/<stream key>`. */
  url: string;
  port: number;
  /** Where the recordings (`<key>-<time>.flv`) land. */
  dir: string;
  recordings(): string[];
  stop(): Promise<void>;
}

async function listening(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nginx-rtmp did not listen on ${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts nginx-rtmp on `port` (a free one by default), recording into `dir` (a new one by default). */
export async function startRtmpIngest(opts: { port?: number; dir?: string } = {}): Promise<RtmpIngest> {
  if (!existsSync('/usr/sbin/nginx') || !existsSync(RTMP_MODULE))
    throw new Error(
      'the RTMP ingest needs nginx with libnginx-mod-rtmp (apt-get install nginx-light libnginx-mod-rtmp)',
    );
  const port = opts.port ?? (await freeTcpPort());
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'troupe-ingest-'));
  const conf = join(dir, `nginx-${port}.conf`);
  writeFileSync(
    conf,
    [
      `load_module ${RTMP_MODULE};`,
      'daemon off;',
      'master_process off;',
      `pid ${join(dir, `nginx-${port}.pid`)};`,
      `error_log ${join(dir, `nginx-${port}.log`)} warn;`,
      'events { worker_connections 64; }',
      'rtmp { server {',
      `  listen 127.0.0.1:${port};`,
      '  application live { live on; record all; record_unique on;',
      `    record_path ${dir}; }`,
      '} }',
      '',
    ].join('\n'),
  );
  const proc: ChildProcess = spawn('/usr/sbin/nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
  killOnExit(proc);
  await listening(port, 10_000);
  return {
    url: `rtmp://127.0.0.1:${port}/live`,
    port,
    dir,
    recordings: () =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.flv'))
        .sort()
        .map((f) => join(dir, f)),
    stop: () => stopChild(proc, 5000),
  };
}

const run = promisify(execFile);

/** The codecs and size of a recorded stream, by ffprobe. */
export async function probe(
  file: string,
): Promise<Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]);
  return (
    JSON.parse(stdout) as {
      streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>;
    }
  ).streams;
}

/** RMS (0..1) of each 100 ms window of a recording's audio, decoded by ffmpeg. */
export async function audioLevels(file: string): Promise<number[]> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-map', '0:a', '-f', 's16le', '-ac', '1', '-ar', '8000', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const pcm = new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.byteLength / 2));
  const levels: number[] = [];
  for (let i = 0; i + 800 <= pcm.length; i += 800) {
    let sum = 0;
    for (let j = i; j < i + 800; j++) sum += (pcm[j]! / 32768) ** 2;
    levels.push(Math.sqrt(sum / 800));
  }
  return levels;
}
