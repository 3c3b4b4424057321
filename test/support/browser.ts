import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type Page, chromium } from 'playwright-core';
import { inject } from 'vitest';
import { projectRoot } from '../../scripts/livekit-server.ts';
import { speak } from './audio.ts';

// Browser tests drive Debian's Chromium (playwright-core, no bundled browser) against the web
// client built for the test and served by the real API.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of browser tests, for a person reading a failure. */
export const ARTIFACTS = join(projectRoot, 'test-artifacts');

const run = promisify(execFile);

/** The web client built once for the run (test/support/global-setup.ts): the API serves it with `WEB_DIST_DIR`. */
export function builtWeb(): string {
  return inject('webDist');
}

/**
 * A 48 kHz mono WAV for Chromium's fake microphone: `leadInS` of silence, `text` spoken by
 * espeak-ng, then `tailS` of silence.
 */
export async function microphoneWav(text: string, leadInS: number, tailS = 0): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'troupe-microphone-'));
  const raw = join(dir, 'speech.s16le');
  const wav = join(dir, 'microphone.wav');
  writeFileSync(raw, await speak(text, 48_000));
  const silence = (s: number) => ['-f', 'lavfi', '-t', String(s), '-i', 'anullsrc=r=48000:cl=mono'];
  const inputs = [...silence(leadInS), '-f', 's16le', '-ar', '48000', '-ac', '1', '-i', raw];
  const parts = tailS > 0 ? 3 : 2;
  // prettier-ignore
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error',
    ...inputs, ...(tailS > 0 ? silence(tailS) : []),
    '-filter_complex', `${Array.from({ length: parts }, (_, i) => `[${i}:a]`).join('')}concat=n=${parts}:v=0:a=1`,
    '-c:a', 'pcm_s16le', wav,
  ]);
  return wav;
}

/**
 * Launches Debian's Chromium headless; with `microphone`, a fake microphone plays that WAV (once
 * with `loop: false`, over and over otherwise) and media permissions are granted.
 */
export async function launchChromium(opts: { microphone?: string; loop?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is needed at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const media = opts.microphone
    ? [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${opts.microphone}${opts.loop === false ? '%noloop' : ''}`,
        '--autoplay-policy=no-user-gesture-required',
      ]
    : [];
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...media,
    ],
  });
}

/** The page's own bearer token, as the web client stored it after signing up or in. */
export async function pageToken(page: Page): Promise<string> {
  const token = await page.evaluate(
    () => (JSON.parse(localStorage.getItem('troupe.auth') ?? '{}') as { token?: string }).token,
  );
  if (token === undefined) throw new Error('the page holds no token: the sign-up did not finish');
  return token;
}
