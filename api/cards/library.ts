import { setImmediate as nextTurn } from 'node:timers/promises';
import { startsWith } from './bytes.ts';
import { CardError, formatBytes } from './errors.ts';
import { PNG_SIGNATURE } from './png.ts';
import { checkZipEntry, readZipDirectory, readZipEntry, type ZipEntry, type ZipLimits } from './zip.ts';

// A library upload: card files and ZIP libraries of card files, read into one list of cards. The
// whole upload is checked here, before a job is accepted: counts and declared sizes from the
// central directories, then every card entry inflated once into a running CRC and dropped, so that
// an entry which inflates past what it declares (a zip bomb) refuses the upload and never reaches
// the job. The job then inflates one card at a time (`libraryCardBytes`).

export interface LibraryLimits {
  /**
   * Most cards one import may hold, across all its files (refused ones included).
   * @defaultValue 1000
   */
  maxCards: number;
  /**
   * Most bytes the card entries of an upload's ZIP libraries may declare uncompressed, together.
   * @defaultValue 512 MiB
   */
  maxUncompressedBytes: number;
  /**
   * Largest one card may be: a card file as uploaded, or a library entry as inflated.
   * @defaultValue 20 MiB
   */
  maxCardBytes: number;
}

export const defaultLibraryLimits: LibraryLimits = {
  maxCards: 1000,
  maxUncompressedBytes: 512 * 1024 ** 2,
  maxCardBytes: 20 * 1024 ** 2,
};

/**
 * Why a whole upload is refused. Stable: the API sends it as `details.libraryCode`.
 *
 * - `too_many_cards`: more cards than `maxCards`.
 * - `too_large`: the libraries' cards declare more than `maxUncompressedBytes` uncompressed.
 * - `card_too_large`: one card is over `maxCardBytes` (as uploaded, or as its ZIP entry declares).
 * - `zip_bomb`: a ZIP entry inflates past the size it declares.
 * - `bad_zip`: a ZIP library's structure cannot be read.
 * - `no_cards`: the upload holds no card file at all.
 */
export type LibraryErrorCode =
  'too_many_cards' | 'too_large' | 'card_too_large' | 'zip_bomb' | 'bad_zip' | 'no_cards';

const SIZE_CODES: readonly LibraryErrorCode[] = ['too_large', 'card_too_large', 'zip_bomb'];

/** The only error openLibrary throws. Final: the same upload fails again. */
export class LibraryError extends Error {
  readonly retryable = false;

  constructor(
    readonly code: LibraryErrorCode,
    message: string,
    /** The limit that was passed, when one was. */
    readonly limit?: number,
    /** For `zip_bomb`: the bytes the entry had inflated to when it was stopped. */
    readonly inflatedBytes?: number,
  ) {
    super(message);
    this.name = 'LibraryError';
  }

  /** `size` for the codes about bytes (the API answers 413), `invalid` for the others (400). */
  get kind(): 'size' | 'invalid' {
    return SIZE_CODES.includes(this.code) ? 'size' : 'invalid';
  }
}

/** One uploaded file. `name` names it in the results and picks its kind by extension, nothing more. */
export interface LibraryFile {
  name: string;
  bytes: Uint8Array;
}

/** One card of the upload: a whole file, an entry of a ZIP library, or one already refused. */
export type LibraryItem =
  | { file: string; kind: 'file'; bytes: Uint8Array }
  | { file: string; kind: 'entry'; zip: Uint8Array; entry: ZipEntry }
  | { file: string; kind: 'rejected'; code: string; reason: string };

export interface Library {
  items: LibraryItem[];
  /** Entries of ZIP libraries that are not cards (a readme, a thumbnail): skipped, never inflated. */
  ignored: number;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];
/** The most entries a ZIP without ZIP64 lists; the upload's size bounds the directory anyway. */
const MAX_ZIP_ENTRIES = 0xfffe;
const MAX_NAME = 300;

/**
 * Reads an upload into its cards, checking every limit. Throws LibraryError for the whole upload;
 * a card that is merely broken (bad CRC, bad deflate data, not a card type) becomes a `rejected`
 * item instead. Yields to the event loop between entries, so that checking a large archive holds
 * other requests up for no longer than one entry takes.
 */
export async function openLibrary(files: readonly LibraryFile[], limits: LibraryLimits): Promise<Library> {
  const items: LibraryItem[] = [];
  let ignored = 0;
  let declared = 0;
  const add = (item: LibraryItem): void => {
    items.push(item);
    if (items.length > limits.maxCards)
      throw new LibraryError(
        'too_many_cards',
        `the upload holds more than ${limits.maxCards} cards; split it into smaller imports`,
        limits.maxCards,
      );
  };
  for (const { name: rawName, bytes } of files) {
    const name = displayName(rawName) || 'upload';
    const kind = fileKind(name, bytes);
    if (kind === 'other') {
      add({ file: name, kind: 'rejected', code: 'unsupported_format', reason: UNSUPPORTED });
      continue;
    }
    const entries = kind === 'card' ? undefined : libraryDirectory(name, bytes, limits);
    // A .charx under another name (or a raw body) is one card, not a library.
    if (entries === undefined || (kind === 'zip-or-charx' && entries.some((e) => e.name === 'card.json'))) {
      checkCardSize(name, bytes.length, limits);
      add({ file: name, kind: 'file', bytes });
      continue;
    }
    for (const entry of entries) {
      const role = entryRole(entry.name);
      if (role === 'skip') continue;
      if (role === 'other') {
        ignored++;
        continue;
      }
      const file = `${name}/${displayName(entry.name)}`.slice(0, MAX_NAME);
      if (role === 'zip') {
        add({ file, kind: 'rejected', code: 'nested_zip', reason: NESTED_ZIP });
        continue;
      }
      checkCardSize(file, entry.uncompressedSize, limits);
      declared += entry.uncompressedSize;
      if (declared > limits.maxUncompressedBytes)
        throw new LibraryError(
          'too_large',
          `the libraries' cards add up to more than ${formatBytes(limits.maxUncompressedBytes)} uncompressed`,
          limits.maxUncompressedBytes,
        );
      add({ file, kind: 'entry', zip: bytes, entry });
    }
  }
  if (items.length === 0)
    throw new LibraryError('no_cards', 'the upload holds no card (.json, .png or .charx)');
  return { items: await checkEntries(items, limits), ignored };
}

/** The bytes of one card, inflated when it is a library entry. Throws CardError. */
export function libraryCardBytes(item: Exclude<LibraryItem, { kind: 'rejected' }>, limits: LibraryLimits) {
  return item.kind === 'file' ? item.bytes : readZipEntry(item.zip, item.entry, entryLimits(limits));
}

const UNSUPPORTED = 'not a ZIP library, nor a .json, .png or .charx card';
const NESTED_ZIP = 'a ZIP inside a library is not read; upload it on its own';

function entryLimits(limits: LibraryLimits): ZipLimits {
  return { maxEntries: MAX_ZIP_ENTRIES, maxUncompressedBytes: limits.maxCardBytes };
}

/** Inflates each entry into nothing but a CRC: a bomb refuses the upload, a broken entry its card. */
async function checkEntries(items: LibraryItem[], limits: LibraryLimits): Promise<LibraryItem[]> {
  const out: LibraryItem[] = [];
  for (const item of items) {
    if (item.kind !== 'entry') {
      out.push(item);
      continue;
    }
    await nextTurn();
    try {
      checkZipEntry(item.zip, item.entry, entryLimits(limits));
      out.push(item);
    } catch (err) {
      if (!(err instanceof CardError)) throw err;
      if (err.code === 'zip_limits')
        throw new LibraryError(
          'zip_bomb',
          `${item.file}: ${err.message}`,
          item.entry.uncompressedSize,
          err.details.inflatedBytes,
        );
      out.push({ file: item.file, kind: 'rejected', code: err.code, reason: err.message });
    }
  }
  return out;
}

function libraryDirectory(name: string, bytes: Uint8Array, limits: LibraryLimits): ZipEntry[] {
  try {
    return readZipDirectory(bytes, {
      maxEntries: MAX_ZIP_ENTRIES,
      maxUncompressedBytes: limits.maxUncompressedBytes,
    });
  } catch (err) {
    if (!(err instanceof CardError)) throw err;
    if (err.code === 'zip_limits')
      throw new LibraryError('too_large', `${name}: ${err.message}`, limits.maxUncompressedBytes);
    throw new LibraryError('bad_zip', `${name}: ${err.message}`);
  }
}

function checkCardSize(file: string, size: number, limits: LibraryLimits): void {
  if (size > limits.maxCardBytes)
    throw new LibraryError(
      'card_too_large',
      `${file} is ${size} bytes, over the ${formatBytes(limits.maxCardBytes)} limit for one card`,
      limits.maxCardBytes,
    );
}

/**
 * What an uploaded file is. The extension decides between a library (.zip) and a card (.charx,
 * .json, .png); a file with another extension, or none, is recognised by its first bytes.
 */
function fileKind(name: string, bytes: Uint8Array): 'card' | 'zip' | 'zip-or-charx' | 'other' {
  const ext = extensionOf(name);
  if (ext === '.zip') return 'zip';
  if (ext === '.charx' || ext === '.json' || ext === '.png') return 'card';
  if (startsWith(bytes, ZIP_MAGIC) || startsWith(bytes, EMPTY_ZIP_MAGIC)) return 'zip-or-charx';
  if (startsWith(bytes, PNG_SIGNATURE) || looksLikeJson(bytes)) return 'card';
  return 'other';
}

/**
 * What an entry of a ZIP library is: directories, macOS resource forks (`__MACOSX/`) and dotfiles
 * (`.DS_Store`, `._card.png`) are skipped silently; other files that are not cards are ignored.
 */
function entryRole(path: string): 'card' | 'zip' | 'skip' | 'other' {
  if (path.endsWith('/') || path.startsWith('__MACOSX/')) return 'skip';
  if (path.split('/').some((segment) => segment.startsWith('.'))) return 'skip';
  const ext = extensionOf(path);
  if (ext === '.json' || ext === '.png' || ext === '.charx') return 'card';
  return ext === '.zip' ? 'zip' : 'other';
}

function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

function looksLikeJson(bytes: Uint8Array): boolean {
  for (const b of bytes.subarray(0, 64)) {
    if (b === 0x7b /* { */) return true;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0xef && b !== 0xbb && b !== 0xbf)
      return false;
  }
  return false;
}

/** A file or entry name as results show it: no control characters, no leading slashes, bounded. */
function displayName(name: string): string {
  return name
    .replace(/\p{Cc}/gu, '')
    .replace(/^\/+/, '')
    .slice(0, MAX_NAME);
}
