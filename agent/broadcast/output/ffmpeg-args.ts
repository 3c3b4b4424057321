import { join } from 'node:path';

/** One character on the stage of the built-in video. */
export interface StageCharacter {
  id: string;
  name: string;
  /** A local image ffmpeg can read (PNG, JPEG, WebP or SVG); null draws the name only. */
  avatarPath: string | null;
}

export interface StageVideoOptions {
  /** @defaultValue 1280 */
  width: number;
  /** @defaultValue 720 */
  height: number;
  /** @defaultValue 30 */
  fps: number;
  /** H.264 bitrate in kbit/s (Twitch recommends 2500–4500 for 720p30). @defaultValue 2500 */
  videoKbps: number;
  /** AAC bitrate in kbit/s. @defaultValue 160 */
  audioKbps: number;
  /** x264 preset: faster presets spend less CPU per frame. @defaultValue 'veryfast' */
  preset: 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';
  /** TrueType font for names, captions and chat. @defaultValue DejaVu Sans (Debian fonts-dejavu-core) */
  fontFile: string;
  /** Title shown at the top left. @defaultValue 'Troupe' */
  title: string;
}

export const defaultStageVideoOptions: StageVideoOptions = {
  width: 1280,
  height: 720,
  fps: 30,
  videoKbps: 2500,
  audioKbps: 160,
  preset: 'veryfast',
  fontFile: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  title: 'Troupe',
};

/** Audio the job writes to ffmpeg's stdin: the program mix, raw. */
export const PROGRAM_AUDIO = { sampleRate: 48_000, channels: 2, format: 's16le' } as const;

/** The text files ffmpeg re-reads every frame (drawtext `reload=1`); the job rewrites them atomically. */
export const stageFiles = (dir: string) => ({
  captions: join(dir, 'captions.txt'),
  chat: join(dir, 'chat.txt'),
  speaking: (index: number) => join(dir, `speaking-${index}.txt`),
});

/** drawtext's option values are `:`/`'`/`\`-sensitive; the job's paths are plain, but be safe. */
const quote = (value: string) =>
  `'${value.replace(/\\/g, '\\\\').replace(/'/g, "'\\\\''").replace(/:/g, '\\:')}'`;

/** Where each avatar sits: a centred row, as large as fits up to a third of the height. */
export function stageLayout(count: number, o: Pick<StageVideoOptions, 'width' | 'height'>) {
  const gap = Math.round(o.width * 0.03);
  const size = Math.min(
    Math.round(o.height / 3),
    Math.floor((o.width - gap * (count + 1)) / Math.max(1, count)),
  );
  const rowWidth = count * size + (count - 1) * gap;
  const left = Math.round((o.width - rowWidth) / 2);
  const top = Math.round(o.height * 0.22);
  return Array.from({ length: count }, (_, i) => ({ x: left + i * (size + gap), y: top, size }));
}

/**
 * The ffmpeg command line of the built-in broadcast output: a stage drawn by ffmpeg itself (a
 * background, each character's avatar, its name and a "speaking" marker, live captions, recent chat;
 * the text comes from files the job rewrites), the program audio from stdin, H.264 + AAC in FLV to
 * every RTMP target (the tee muxer: one encode, several destinations, a failing one ignored while
 * another is up). Composing in ffmpeg keeps the per-frame work out of the agent's event loop.
 */
export function ffmpegArgs(
  characters: readonly StageCharacter[],
  targets: readonly string[],
  stageDir: string,
  opts: Partial<StageVideoOptions> = {},
): string[] {
  if (targets.length === 0) throw new Error('a broadcast output needs at least one RTMP target');
  const o = { ...defaultStageVideoOptions, ...opts };
  const files = stageFiles(stageDir);
  const font = `fontfile=${quote(o.fontFile)}`;
  const layout = stageLayout(characters.length, o);
  const inputs: string[] = [
    '-f',
    'lavfi',
    '-re',
    '-i',
    `color=c=0x151826:s=${o.width}x${o.height}:r=${o.fps}`,
  ];
  const avatarInputs = new Map<number, number>();
  characters.forEach((c, i) => {
    if (!c.avatarPath) return;
    avatarInputs.set(i, 1 + avatarInputs.size);
    inputs.push('-loop', '1', '-framerate', String(o.fps), '-i', c.avatarPath);
  });
  const audioInput = 1 + avatarInputs.size;
  inputs.push(
    '-thread_queue_size',
    '1024',
    '-f',
    PROGRAM_AUDIO.format,
    '-ar',
    String(PROGRAM_AUDIO.sampleRate),
    '-ac',
    String(PROGRAM_AUDIO.channels),
    '-i',
    'pipe:0',
  );

  const filters: string[] = [];
  let last = '0:v';
  characters.forEach((c, i) => {
    const slot = layout[i]!;
    const input = avatarInputs.get(i);
    if (input !== undefined) {
      filters.push(`[${input}:v]scale=${slot.size}:${slot.size},format=rgba[a${i}]`);
      filters.push(`[${last}][a${i}]overlay=${slot.x}:${slot.y}:shortest=0[s${i}]`);
      last = `s${i}`;
    }
  });
  const text: string[] = [
    `drawtext=${font}:text=${quote(o.title)}:fontcolor=white@0.8:fontsize=${Math.round(o.height / 24)}:x=24:y=20`,
  ];
  characters.forEach((c, i) => {
    const slot = layout[i]!;
    const size = Math.round(o.height / 30);
    const centre = `x=${slot.x}+(${slot.size}-text_w)/2`;
    text.push(
      `drawtext=${font}:text=${quote(c.name)}:fontcolor=white:fontsize=${size}:${centre}:y=${slot.y + slot.size + 12}`,
    );
    text.push(
      `drawtext=${font}:textfile=${quote(files.speaking(i))}:reload=1:fontcolor=0x7cf2a4:fontsize=${size}:${centre}:y=${slot.y + slot.size + 16 + size}`,
    );
  });
  const captionSize = Math.round(o.height / 24);
  text.push(
    `drawtext=${font}:textfile=${quote(files.captions)}:reload=1:fontcolor=white:fontsize=${captionSize}:line_spacing=8:box=1:boxcolor=black@0.5:boxborderw=12:x=(w-text_w)/2:y=h-${captionSize * 3 + 40}`,
    `drawtext=${font}:textfile=${quote(files.chat)}:reload=1:fontcolor=0xc8c8ff:fontsize=${Math.round(o.height / 40)}:line_spacing=6:x=w-${Math.round(o.width * 0.3)}:y=20`,
  );
  filters.push(`[${last}]${text.join(',')},format=yuv420p[vout]`);

  const encode = [
    '-map',
    '[vout]',
    '-map',
    `${audioInput}:a`,
    '-c:v',
    'libx264',
    '-preset',
    o.preset,
    '-tune',
    'zerolatency',
    '-r',
    String(o.fps),
    '-g',
    String(o.fps * 2),
    '-b:v',
    `${o.videoKbps}k`,
    '-maxrate',
    `${o.videoKbps}k`,
    '-bufsize',
    `${o.videoKbps * 2}k`,
    '-c:a',
    'aac',
    '-b:a',
    `${o.audioKbps}k`,
    '-ar',
    '48000',
    '-flvflags',
    'no_duration_filesize',
  ];
  const output =
    targets.length === 1
      ? ['-f', 'flv', targets[0]!]
      : [
          '-f',
          'tee',
          targets.map((t) => `[f=flv:onfail=ignore]${t.replace(/[|[\]]/g, (ch) => `\\${ch}`)}`).join('|'),
        ];
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-nostats',
    '-progress',
    'pipe:3',
    ...inputs,
    '-filter_complex',
    filters.join(';'),
    ...encode,
    ...output,
  ];
}
