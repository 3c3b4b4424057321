import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioFrame } from '@livekit/rtc-node';
import { Program } from '../agent/conversation/group/program.ts';
import { type OutputStatus, RtmpOutput } from '../agent/broadcast/output/rtmp-output.ts';
import { projectRoot } from '../scripts/livekit-server.ts';
import { speak } from './support/audio.ts';
import { eventually } from './support/stack.ts';
import { type RtmpIngest, audioLevels, probe, startRtmpIngest } from './support/rtmp-ingest.ts';

// The built-in broadcast output against a real RTMP ingest (nginx-rtmp, recording what it
// receives): the stream is H.264 + AAC at the default 1280×720, the character's speech in the
// program is audible in the received audio, and streaming resumes after the ingest restarts.

const KEY = `test-stream-key-${randomUUID()}`;
const stage = [
  { id: 'walt', name: 'Walt Brennan', avatarPath: `${projectRoot}/web/public/avatars/walt.svg` },
  { id: 'june', name: 'June Ray', avatarPath: `${projectRoot}/web/public/avatars/june.svg` },
];

/** Resolves with the first status (now or later) that satisfies `predicate`. */
function statusWhere(output: RtmpOutput, predicate: (s: OutputStatus) => boolean, what: string, ms = 30_000) {
  return new Promise<OutputStatus>((resolve, reject) => {
    if (predicate(output.status)) return resolve(output.status);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${what} within ${ms} ms; last status ${JSON.stringify(output.status)}`));
    }, ms);
    const off = output.onStatus((s) => {
      if (!predicate(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
  });
}

/** `pcm` (48 kHz mono) in 10 ms frames at real-time pace, as a character's track delivers it. */
async function* voice(pcm: Int16Array): AsyncGenerator<AudioFrame> {
  const start = performance.now();
  for (let i = 0, k = 0; i + 480 <= pcm.length; i += 480, k++) {
    const due = start + k * 10 - performance.now();
    if (due > 0) await new Promise((r) => setTimeout(r, due));
    yield new AudioFrame(pcm.slice(i, i + 480), 48_000, 1, 480);
  }
}

let ingest: RtmpIngest | undefined;
let output: RtmpOutput | undefined;
let program: Program | undefined;

afterAll(async () => {
  program?.close();
  await output?.stop();
  await ingest?.stop();
});

describe('the built-in RTMP output', () => {
  it('when a character speaks, then the ingest receives H.264 + AAC at 1280×720 with audible speech, and resumes after the ingest restarts', async () => {
    ingest = await startRtmpIngest();
    output = new RtmpOutput(stage, [`${ingest.url}/${KEY}`], { reconnectMinMs: 500 });
    program = new Program();
    void (async () => {
      for await (const frame of program!.frames()) output!.writeAudio(frame.data);
    })();
    output.start();
    await statusWhere(output, (s) => s.state === 'live', 'live stream');
    output.setSpeaking('walt');
    output.caption('Walt Brennan', 'Well now, the river was high this morning.');
    output.chat('viewer42', 'hello walt!');
    const speech = await speak('well now the river was high this morning and the trout were biting');
    const writtenBefore = output.audio.written;
    program.addStream('walt', voice(speech), { pan: -0.4 });
    const spoken = (speech.length / 48_000) * 1000;
    // Let the whole utterance and a second more through the encoder before the ingest goes down.
    const enough = writtenBefore + ((spoken + 1500) / 1000) * 48_000 * 4;
    await eventually(
      async () => output!.audio.written,
      (n) => n >= enough,
      { what: 'the utterance written to ffmpeg' },
    );
    const port = ingest.port;
    const dir = ingest.dir;
    await ingest.stop();
    await statusWhere(output, (s) => s.state === 'reconnecting', 'a reconnect after the ingest went down');
    expect(output.status.lastError ?? '').not.toContain(KEY);

    const [first] = ingest.recordings();
    expect(first, 'a recording of the first connection').toBeDefined();
    const streams = await probe(first!);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      width: 1280,
      height: 720,
    });
    expect(streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    const levels = await audioLevels(first!);
    const loud = levels.filter((l) => l > 0.02).length;
    // The received audio carries the speech: at least a second of 100 ms windows above −34 dBFS.
    expect(loud, `levels: ${levels.map((l) => l.toFixed(3)).join(' ')}`).toBeGreaterThanOrEqual(10);

    ingest = await startRtmpIngest({ port, dir });
    // The output was seen reconnecting above, so `live` now means a new connection to the new ingest.
    await statusWhere(output, (s) => s.state === 'live', 'streaming again after the restart');
    expect(output.status.attempts).toBeGreaterThan(1);
    // nginx opens a recording when a stream is published, before the first frame goes out.
    expect(ingest.recordings().filter((f) => f !== first)).toHaveLength(1);
  });
});
