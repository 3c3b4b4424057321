import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AudioFrame } from '@livekit/rtc-node';

const run = promisify(execFile);

/** Speech from espeak-ng as mono PCM16 at `sampleRate`, resampled by ffmpeg. */
export async function speak(text: string, sampleRate = 48_000, voice = 'en-us'): Promise<Int16Array> {
  const espeak = await run('espeak-ng', ['-v', voice, '-s', '160', '--stdout', text], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: Error) => {
    throw new Error(`espeak-ng is needed to make test speech: ${err.message}`);
  });
  const pcm = await new Promise<Buffer>((resolve, reject) => {
    const child = execFile(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-i',
        'pipe:0',
        '-f',
        's16le',
        '-ac',
        '1',
        '-ar',
        String(sampleRate),
        'pipe:1',
      ],
      { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) =>
        err ? reject(new Error(`ffmpeg is needed to resample test speech: ${err.message}`)) : resolve(stdout),
    );
    child.stdin?.end(espeak.stdout);
  });
  return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
}

/** Splits PCM into frames of `frameMs`, zero-padding the last one. */
export function framesOf(pcm: Int16Array, sampleRate: number, frameMs = 10): AudioFrame[] {
  const size = (sampleRate * frameMs) / 1000;
  const frames: AudioFrame[] = [];
  for (let i = 0; i < pcm.length; i += size) {
    const chunk = new Int16Array(size);
    chunk.set(pcm.subarray(i, Math.min(i + size, pcm.length)));
    frames.push(new AudioFrame(chunk, sampleRate, 1, size));
  }
  return frames;
}

export function silenceFrame(sampleRate: number, frameMs = 10): AudioFrame {
  const size = (sampleRate * frameMs) / 1000;
  return new AudioFrame(new Int16Array(size), sampleRate, 1, size);
}

/** Root-mean-square level of a frame, 0..1. */
export function rms(frame: AudioFrame): number {
  const d = frame.data;
  if (d.length === 0) return 0;
  let sum = 0;
  for (const s of d) sum += s * s;
  return Math.sqrt(sum / d.length) / 32768;
}

/** Frames louder than this count as speech (−46 dBFS; espeak speech sits far above it). */
export const SPEECH_RMS = 0.005;
