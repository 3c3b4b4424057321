import { decodeBase64, decodeUtf8, startsWith } from './bytes.ts';
import { identifyCard, parseJson } from './card.ts';
import { readCharx } from './charx.ts';
import { readCard } from './draft.ts';
import { CardError, formatBytes } from './errors.ts';
import {
  DEFAULT_MAX_PNG_CHUNK_BYTES,
  PNG_SIGNATURE,
  readPngCardTexts,
  withCardTexts,
  type PngCardText,
} from './png.ts';
import type { CardInput, ImportedCard } from './types.ts';

export interface ImportCardOptions {
  /**
   * Largest file accepted; checked before anything else is read.
   * @defaultValue 20 MiB
   */
  maxInputBytes: number;
  /**
   * Largest PNG chunk accepted, checked from its declared length before it is read.
   * @defaultValue 8 MiB
   */
  maxPngChunkBytes: number;
  /**
   * Most entries a .charx archive may list.
   * @defaultValue 1000 (an archive of expression images has a few hundred)
   */
  maxZipEntries: number;
  /**
   * Most bytes a .charx's entries may add up to uncompressed, and the most any one entry may inflate to.
   * @defaultValue 64 MiB
   */
  maxZipUncompressedBytes: number;
}

export const defaultImportCardOptions: ImportCardOptions = {
  maxInputBytes: 20 * 1024 * 1024,
  maxPngChunkBytes: DEFAULT_MAX_PNG_CHUNK_BYTES,
  maxZipEntries: 1000,
  maxZipUncompressedBytes: 64 * 1024 * 1024,
};

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** An empty ZIP starts with its end record; it holds no card.json, which the reader then says. */
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];
const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Reads a character card from a PNG (`chara`/`ccv3` tEXt chunk), a .charx archive or a JSON file,
 * recognised by its first bytes. Throws only CardError.
 */
export function importCard(input: CardInput, options: Partial<ImportCardOptions> = {}): ImportedCard {
  // An option passed as undefined keeps its default rather than switching its limit off.
  const given = Object.entries(options).filter(([, v]) => v !== undefined);
  const opts: ImportCardOptions = { ...defaultImportCardOptions, ...Object.fromEntries(given) };
  try {
    return read(input, opts);
  } catch (err) {
    if (err instanceof CardError) throw err;
    // The readers' own checks should catch all bad input; this keeps a case they miss a 400, not a 500.
    throw new CardError('unreadable', 'the card could not be read', { cause: err });
  }
}

function read(input: CardInput, opts: ImportCardOptions): ImportedCard {
  const bytes: unknown = input?.bytes;
  if (!(bytes instanceof Uint8Array))
    throw new CardError('unsupported_format', 'card bytes must be a Uint8Array');
  if (bytes.length === 0) throw new CardError('unsupported_format', 'the file is empty');
  if (bytes.length > opts.maxInputBytes)
    throw new CardError(
      'too_large',
      `the file is ${bytes.length} bytes, over the ${formatBytes(opts.maxInputBytes)} limit`,
    );
  if (startsWith(bytes, PNG_SIGNATURE)) return readPng(bytes, opts);
  if (startsWith(bytes, ZIP_MAGIC) || startsWith(bytes, EMPTY_ZIP_MAGIC))
    return readCharx(bytes, {
      maxEntries: opts.maxZipEntries,
      maxUncompressedBytes: opts.maxZipUncompressedBytes,
    });
  if (bytes[firstNonSpace(bytes)] === 0x7b /* { */) return readJson(bytes);
  throw new CardError('unsupported_format', unsupportedMessage(bytes, input));
}

function readJson(bytes: Uint8Array): ImportedCard {
  const raw = parseJson(decodeUtf8(bytes), 'the file');
  const card = identifyCard(raw, 'the JSON');
  return { spec: card.spec, ...readCard(card), raw };
}

/**
 * `ccv3` wins over `chara`, as the V3 spec asks. A broken `ccv3` beside a good `chara` is reported
 * as a warning instead of failing: the older chunk still holds the character.
 */
function readPng(bytes: Uint8Array, opts: ImportCardOptions): ImportedCard {
  const texts = readPngCardTexts(bytes, opts.maxPngChunkBytes);
  const candidates = [texts.ccv3, texts.chara].filter((t): t is PngCardText => t !== undefined);
  if (candidates.length === 0) throw new CardError('no_card', 'the PNG has no chara or ccv3 tEXt chunk');
  const warnings: string[] = [];
  let firstError: CardError | undefined;
  for (const text of candidates) {
    try {
      const raw = parseJson(decodeChunk(text), `the ${text.keyword} chunk`);
      const card = identifyCard(raw, `the ${text.keyword} chunk`);
      const result = readCard(card);
      const avatar = { bytes: withCardTexts(bytes, [], opts.maxPngChunkBytes), contentType: 'image/png' };
      return { spec: card.spec, ...result, warnings: [...warnings, ...result.warnings], avatar, raw };
    } catch (err) {
      if (!(err instanceof CardError)) throw err;
      firstError ??= err;
      warnings.push(`ignored the ${text.keyword} chunk: ${err.message}`);
    }
  }
  throw firstError;
}

function decodeChunk(text: PngCardText): string {
  const decoded = decodeBase64(text.text);
  if (decoded === undefined)
    throw new CardError('bad_base64', `${text.keyword} chunk at byte ${text.offset} is not valid base64`);
  return decodeUtf8(decoded);
}

function firstNonSpace(bytes: Uint8Array): number {
  let i = startsWith(bytes, UTF8_BOM) ? UTF8_BOM.length : 0;
  while (
    i < bytes.length &&
    (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)
  )
    i++;
  return i;
}

/** Names what the file seems to be, from its bytes or the client's hints, without echoing either. */
function unsupportedMessage(bytes: Uint8Array, input: CardInput): string {
  const hint = `${String(input.contentType ?? '')} ${String(input.filename ?? '')}`.toLowerCase();
  const isRiff = startsWith(bytes, [0x52, 0x49, 0x46, 0x46]);
  if (startsWith(bytes, [0xff, 0xd8, 0xff]) || /jpe?g/.test(hint))
    return 'JPEG files cannot carry a card here; export the card as PNG, .charx or JSON';
  if (isRiff || /webp/.test(hint))
    return 'WebP files cannot carry a card here; export the card as PNG, .charx or JSON';
  return 'the file is not a PNG, .charx or JSON character card';
}
