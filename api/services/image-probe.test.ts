import { describe, expect, it } from 'vitest';
import { jpegHeaderOf, pngOf, webpHeaderOf } from '../../test/support/images.ts';
import { ImageProbeError, probeImage, sniffImageType } from './image-probe.ts';

const bytes = (b: Buffer) => new Uint8Array(b);

describe('probeImage', () => {
  it('when given a PNG, then its type and IHDR size are read', () => {
    expect(probeImage(bytes(pngOf(64, 48)))).toEqual({ contentType: 'image/png', width: 64, height: 48 });
  });

  it('when given a JPEG, then the size comes from its SOF segment past the APP0 segment', () => {
    expect(probeImage(bytes(jpegHeaderOf(640, 480)))).toEqual({
      contentType: 'image/jpeg',
      width: 640,
      height: 480,
    });
  });

  it('when given an extended WebP, then the canvas size comes from VP8X', () => {
    expect(probeImage(bytes(webpHeaderOf(300, 200)))).toEqual({
      contentType: 'image/webp',
      width: 300,
      height: 200,
    });
  });

  it('when given lossy and lossless WebP headers, then VP8 and VP8L sizes are read', () => {
    const riff = (chunk: Buffer) =>
      Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBP'), chunk, Buffer.alloc(16)]);
    const vp8 = Buffer.from([0x56, 0x50, 0x38, 0x20, 0, 0, 0, 0, 0, 0, 0, 0x9d, 0x01, 0x2a, 64, 0, 48, 0]);
    expect(probeImage(bytes(riff(vp8)))).toMatchObject({ width: 64, height: 48 });
    const bits = (64 - 1) | ((48 - 1) << 14);
    const vp8l = Buffer.concat([Buffer.from('VP8L'), Buffer.alloc(4), Buffer.from([0x2f]), Buffer.alloc(4)]);
    vp8l.writeUInt32LE(bits, 9);
    expect(probeImage(bytes(riff(vp8l)))).toMatchObject({ width: 64, height: 48 });
  });

  it('when given text, a GIF or an SVG, then it is no image we accept', () => {
    for (const b of ['hello', 'GIF89a....', '<svg xmlns="http://www.w3.org/2000/svg"/>']) {
      expect(sniffImageType(new TextEncoder().encode(b))).toBeUndefined();
      expect(() => probeImage(new TextEncoder().encode(b))).toThrow(ImageProbeError);
    }
  });

  it('when a header is cut short, then the error says so instead of reading past the end', () => {
    expect(() => probeImage(bytes(pngOf(8, 8)).subarray(0, 20))).toThrow(/IHDR/);
    expect(() => probeImage(bytes(jpegHeaderOf(8, 8)).subarray(0, 22))).toThrow(ImageProbeError);
    expect(() => probeImage(bytes(webpHeaderOf(8, 8)).subarray(0, 16))).toThrow(/WebP/);
  });

  it('when a header says 0×0, then it is refused', () => {
    expect(() => probeImage(bytes(jpegHeaderOf(0, 10)))).toThrow(/0×10/);
  });
});
