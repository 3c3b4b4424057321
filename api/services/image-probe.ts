// What an uploaded image really is: its type from its magic bytes and its size from its header.
// Three formats only (PNG, JPEG, WebP), so a few header reads beat a dependency; nothing is decoded
// beyond the header, and every read is bounds-checked (an upload is untrusted input).
import type { AvatarContentType } from '../../protocol/index.ts';

export interface ImageInfo {
  contentType: AvatarContentType;
  width: number;
  height: number;
}

/** Why a file is not an image we accept; the message names the problem for the uploader. */
export class ImageProbeError extends Error {
  constructor(
    readonly reason: 'unknown_type' | 'truncated' | 'no_dimensions' | 'bad_dimensions',
    message: string,
  ) {
    super(message);
    this.name = 'ImageProbeError';
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);
const ascii = (b: Uint8Array, at: number, len: number) =>
  b.length >= at + len ? String.fromCharCode(...b.subarray(at, at + len)) : '';

/** The type the bytes are, by their magic bytes alone; undefined when none of the three. */
export function sniffImageType(bytes: Uint8Array): AvatarContentType | undefined {
  if (startsWith(bytes, PNG_SIGNATURE)) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'image/webp';
  return undefined;
}

/**
 * Type and dimensions of a PNG, JPEG or WebP from its header. Throws ImageProbeError when the
 * bytes are none of them or the header is cut short or holds no size.
 */
export function probeImage(bytes: Uint8Array): ImageInfo {
  const contentType = sniffImageType(bytes);
  if (!contentType) throw new ImageProbeError('unknown_type', 'the file is not a PNG, JPEG or WebP image');
  const size =
    contentType === 'image/png'
      ? pngSize(bytes)
      : contentType === 'image/jpeg'
        ? jpegSize(bytes)
        : webpSize(bytes);
  if (size.width < 1 || size.height < 1)
    throw new ImageProbeError('bad_dimensions', `the image header says it is ${size.width}×${size.height}`);
  return { contentType, ...size };
}

type Size = { width: number; height: number };
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** The IHDR chunk must come first (PNG spec 11.2.2): length 13, then width and height, big-endian. */
function pngSize(b: Uint8Array): Size {
  if (b.length < 24) throw new ImageProbeError('truncated', 'the PNG ends before its IHDR header');
  if (ascii(b, 12, 4) !== 'IHDR')
    throw new ImageProbeError('no_dimensions', 'the PNG has no IHDR header first');
  const v = view(b);
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** Walks the JPEG's marker segments up to the first start-of-frame (SOF0–SOF15 but DHT, JPG, DAC). */
function jpegSize(b: Uint8Array): Size {
  const v = view(b);
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw new ImageProbeError('no_dimensions', 'the JPEG has a broken marker segment');
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Markers without a length: TEM and the restart markers.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, or scan data before any frame
    const length = v.getUint16(at + 2);
    if (length < 2) throw new ImageProbeError('no_dimensions', 'the JPEG has a broken marker segment');
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 9 > b.length) break;
      return { height: v.getUint16(at + 5), width: v.getUint16(at + 7) };
    }
    at += 2 + length;
  }
  throw new ImageProbeError('truncated', 'the JPEG has no frame header (SOF) with its size');
}

/** RIFF container; the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended, with the canvas). */
function webpSize(b: Uint8Array): Size {
  if (b.length < 30) throw new ImageProbeError('truncated', 'the WebP ends before its image header');
  const chunk = ascii(b, 12, 4);
  const v = view(b);
  switch (chunk) {
    case 'VP8 ':
      // Frame tag (3 bytes), then the key frame start code 9d 01 2a, then 14-bit width and height.
      if (!startsWith(b, [0x9d, 0x01, 0x2a], 23))
        throw new ImageProbeError('no_dimensions', 'the WebP (VP8) has no key frame header');
      return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
    case 'VP8L': {
      if (b[20] !== 0x2f) throw new ImageProbeError('no_dimensions', 'the WebP (VP8L) has a bad signature');
      const bits = v.getUint32(21, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8X': {
      const u24 = (at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
      return { width: u24(24) + 1, height: u24(27) + 1 };
    }
    default:
      throw new ImageProbeError('no_dimensions', `the WebP starts with an unknown chunk "${chunk.trim()}"`);
  }
}
