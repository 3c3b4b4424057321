import { zlibSync } from 'fflate';
import {
  concatBytes,
  crc32,
  decodeLatin1,
  encodeLatin1,
  readU32BE,
  startsWith,
  writeU32BE,
} from './bytes.ts';
import { CardError, formatBytes } from './errors.ts';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** The tEXt keywords that carry a card: `chara` (V1/V2 JSON) and `ccv3` (V3 JSON), both base64. */
export type CardKeyword = 'chara' | 'ccv3';

export interface PngChunk {
  type: string;
  /** Byte offset of the chunk's length field; messages name it so a reader can find the chunk. */
  offset: number;
  data: Uint8Array;
}

export interface PngCardText {
  keyword: CardKeyword;
  text: string;
  offset: number;
}

/** Shared by import and export, so that every card exported can be imported again. */
export const DEFAULT_MAX_PNG_CHUNK_BYTES = 8 * 1024 * 1024;

/** The PNG format's own ceiling on a chunk's length. */
const PNG_MAX_CHUNK = 0x7fffffff;

/**
 * Visits each chunk from IHDR to IEND after checking its bounds and CRC. The declared length is
 * checked against `maxChunkBytes` before anything is read, and chunk data is a view into `png`,
 * so a hostile length never causes an allocation. Bytes after IEND are ignored, as decoders do.
 */
export function walkPng(png: Uint8Array, maxChunkBytes: number, visit: (chunk: PngChunk) => void): void {
  if (!startsWith(png, PNG_SIGNATURE))
    throw new CardError('bad_png', 'file is not a PNG: the signature is missing');
  let at = PNG_SIGNATURE.length;
  for (let index = 0; ; index++) {
    if (at === png.length)
      throw new CardError('truncated_png', `PNG ends at byte ${at} without an IEND chunk`);
    if (at + 8 > png.length)
      throw new CardError('truncated_png', `PNG chunk header at byte ${at} is truncated`);
    const length = readU32BE(png, at);
    const typeBytes = png.subarray(at + 4, at + 8);
    if (!typeBytes.every(isAsciiLetter))
      throw new CardError('bad_png', `PNG chunk at byte ${at} has an invalid type`);
    const type = decodeLatin1(typeBytes);
    if (length > PNG_MAX_CHUNK)
      throw new CardError(
        'bad_png',
        `PNG chunk ${type} at byte ${at} declares an impossible length ${length}`,
      );
    if (length > maxChunkBytes)
      throw new CardError(
        'too_large',
        `PNG chunk ${type} at byte ${at} is ${length} bytes, over the ${formatBytes(maxChunkBytes)} limit`,
      );
    if (at + 12 + length > png.length)
      throw new CardError('truncated_png', `PNG chunk ${type} at byte ${at} is truncated`);
    if (index === 0 && type !== 'IHDR')
      throw new CardError('bad_png', `PNG starts with a ${type} chunk instead of IHDR`);
    const expected = readU32BE(png, at + 8 + length);
    if (crc32(png.subarray(at + 4, at + 8 + length)) !== expected)
      throw new CardError('bad_crc', `PNG chunk ${type} at byte ${at} has a bad CRC`);
    visit({ type, offset: at, data: png.subarray(at + 8, at + 8 + length) });
    if (type === 'IEND') return;
    at += 12 + length;
  }
}

/**
 * The first `chara` and `ccv3` tEXt chunks. Keywords match case-insensitively and the first of
 * each wins, which is how SillyTavern reads them; other chunks are checked but not kept.
 */
export function readPngCardTexts(
  png: Uint8Array,
  maxChunkBytes: number,
): Partial<Record<CardKeyword, PngCardText>> {
  const found: Partial<Record<CardKeyword, PngCardText>> = {};
  walkPng(png, maxChunkBytes, (chunk) => {
    if (chunk.type !== 'tEXt') return;
    const keyword = cardKeyword(chunk.data);
    if (keyword === undefined || found[keyword]) return;
    found[keyword] = {
      keyword,
      text: decodeLatin1(chunk.data.subarray(keyword.length + 1)),
      offset: chunk.offset,
    };
  });
  return found;
}

/**
 * A copy of `png` without any text chunk (tEXt, zTXt, iTXt) that carries a card, with `texts`
 * added as tEXt chunks just before IEND. Removing the stale chunks first keeps a reader from
 * picking up an old card that sits before the new one.
 */
export function withCardTexts(
  png: Uint8Array,
  texts: readonly { keyword: CardKeyword; text: string }[],
  maxChunkBytes: number,
): Uint8Array {
  const kept: Uint8Array[] = [png.subarray(0, PNG_SIGNATURE.length)];
  walkPng(png, maxChunkBytes, (chunk) => {
    const whole = png.subarray(chunk.offset, chunk.offset + 12 + chunk.data.length);
    if (chunk.type === 'IEND') {
      for (const t of texts) kept.push(textChunk(t.keyword, t.text, maxChunkBytes));
      kept.push(whole);
      return;
    }
    const isText = chunk.type === 'tEXt' || chunk.type === 'zTXt' || chunk.type === 'iTXt';
    if (isText && cardKeyword(chunk.data) !== undefined) return;
    kept.push(whole);
  });
  return concatBytes(kept);
}

/** A tEXt chunk; the text must be Latin-1, which base64 always is. */
export function textChunk(keyword: string, text: string, maxChunkBytes: number): Uint8Array {
  const data = encodeLatin1(`${keyword}\0${text}`);
  if (data.length > maxChunkBytes)
    throw new CardError(
      'too_large',
      `the ${keyword} chunk would be ${data.length} bytes, over the ${formatBytes(maxChunkBytes)} limit`,
    );
  return chunk('tEXt', data);
}

let blank: Uint8Array | undefined;

/** A 1×1 transparent RGBA PNG, the image of a card exported without an avatar. */
export function blankPng(): Uint8Array {
  blank ??= concatBytes([
    Uint8Array.from(PNG_SIGNATURE),
    // Width 1, height 1, bit depth 8, colour type 6 (RGBA), deflate, adaptive filter, no interlace.
    chunk('IHDR', new Uint8Array([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0])),
    // One scanline: filter byte 0, then one fully transparent pixel.
    chunk('IDAT', zlibSync(new Uint8Array([0, 0, 0, 0, 0]))),
    chunk('IEND', new Uint8Array(0)),
  ]);
  return blank.slice();
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  writeU32BE(out, 0, data.length);
  out.set(encodeLatin1(type), 4);
  out.set(data, 8);
  writeU32BE(out, 8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function cardKeyword(data: Uint8Array): CardKeyword | undefined {
  // Keywords are 1–79 bytes; looking no further keeps a huge keyword-less chunk from being scanned.
  const nul = data.subarray(0, 80).indexOf(0);
  if (nul <= 0) return undefined;
  const keyword = decodeLatin1(data.subarray(0, nul)).toLowerCase();
  return keyword === 'chara' || keyword === 'ccv3' ? keyword : undefined;
}

function isAsciiLetter(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}
