import { describe, expect, it } from 'vitest';
import { ffmpegArgs, stageLayout } from './ffmpeg-args.ts';

const cast = [
  { id: 'walt', name: 'Walt', avatarPath: '/a/walt.svg' },
  { id: 'june', name: 'June', avatarPath: null },
];

describe('built-in output command line', () => {
  it('when there is one target, then ffmpeg writes FLV straight to it at 1280×720 30 fps H.264 + AAC', () => {
    const args = ffmpegArgs(cast, ['rtmp://ingest/app/key1'], '/tmp/stage');
    expect(args.slice(-3)).toEqual(['-f', 'flv', 'rtmp://ingest/app/key1']);
    expect(args.join(' ')).toContain('color=c=0x151826:s=1280x720:r=30');
    expect(args).toEqual(expect.arrayContaining(['libx264', 'aac', 'pipe:0']));
    // Only characters with an avatar get an image input.
    expect(args.filter((a) => a === '-loop')).toHaveLength(1);
  });

  it('when there are several targets, then one encode feeds a tee that ignores a failing destination', () => {
    const args = ffmpegArgs(cast, ['rtmp://a/app/k1', 'rtmps://b/live/k|2'], '/tmp/stage');
    expect(args.slice(-3)).toEqual([
      '-f',
      'tee',
      '[f=flv:onfail=ignore]rtmp://a/app/k1|[f=flv:onfail=ignore]rtmps://b/live/k\\|2',
    ]);
  });

  it('when there is no target, then it is refused', () => {
    expect(() => ffmpegArgs(cast, [], '/tmp/stage')).toThrow(/RTMP target/);
  });

  it.each([2, 3, 6])(
    'when %i characters share the stage, then their avatars fit side by side inside the frame',
    (n) => {
      const slots = stageLayout(n, { width: 1280, height: 720 });
      expect(slots).toHaveLength(n);
      for (let i = 1; i < n; i++)
        expect(slots[i]!.x).toBeGreaterThanOrEqual(slots[i - 1]!.x + slots[i - 1]!.size);
      expect(slots.at(-1)!.x + slots.at(-1)!.size).toBeLessThanOrEqual(1280);
      expect(slots[0]!.x).toBeGreaterThanOrEqual(0);
    },
  );
});
