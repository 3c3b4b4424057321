// An uploaded image decoded and written again with sharp, so that nothing but its pixels is ever
// published: camera EXIF (GPS position, device, date), XMP, IPTC, comments, PNG text chunks and any
// other chunk a character card carries go. Run only after image-probe has checked the type and the
// size from the header, so an oversized image is refused before a pixel is decoded.
import sharp from 'sharp';
import type { AvatarContentType } from '../../protocol/index.ts';

export interface ReencodedImage {
  contentType: AvatarContentType;
  data: Buffer;
  /** After turning the image upright: a portrait photo stored sideways with an EXIF turn comes out portrait. */
  width: number;
  height: number;
}

export interface ReencodeOptions {
  /** Pixels decoded at most (sharp's `limitInputPixels`): a second guard behind the header check. @defaultValue 4096 × 4096 */
  maxPixels: number;
  /** JPEG and lossy WebP quality, 1–100. @defaultValue 90 */
  quality: number;
}

export const defaultReencodeOptions: ReencodeOptions = { maxPixels: 4096 * 4096, quality: 90 };

/** The pixels could not be decoded (a truncated or corrupt file behind a valid header). */
export class ImageDecodeError extends Error {
  constructor(options?: ErrorOptions) {
    super('the image could not be decoded: it is damaged or incomplete', options);
    this.name = 'ImageDecodeError';
  }
}

const isLosslessWebp = (b: Uint8Array) =>
  b.length >= 16 && String.fromCharCode(...b.subarray(12, 16)) === 'VP8L';

/**
 * Decodes `bytes` (of `contentType`, already sniffed), turns it upright by its EXIF orientation,
 * and encodes it again in the same format with no metadata at all. Colour is converted to sRGB,
 * which is what dropping an embedded ICC profile needs; an animated image keeps its first frame.
 */
export async function reencodeImage(
  bytes: Uint8Array,
  contentType: AvatarContentType,
  opts: Partial<ReencodeOptions> = {},
): Promise<ReencodedImage> {
  const o = { ...defaultReencodeOptions, ...opts };
  // sharp strips all metadata unless told to keep it (keepMetadata / withMetadata are never called).
  const image = sharp(bytes, { limitInputPixels: o.maxPixels }).autoOrient();
  const encoded =
    contentType === 'image/png'
      ? image.png()
      : contentType === 'image/jpeg'
        ? image.jpeg({ quality: o.quality, mozjpeg: true })
        : image.webp(isLosslessWebp(bytes) ? { lossless: true } : { quality: o.quality });
  try {
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { contentType, data, width: info.width, height: info.height };
  } catch (err) {
    throw new ImageDecodeError({ cause: err });
  }
}
