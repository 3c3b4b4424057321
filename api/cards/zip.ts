import { Inflate } from 'fflate';
import { crc32, decodeUtf8, readU16LE, readU32LE } from './bytes.ts';
import { CardError, formatBytes } from './errors.ts';

// The archive's structure is read here, from the central directory, so that every count and size
// is checked before anything is inflated; fflate does the DEFLATE decoding. fflate's own unzipSync
// trusts the declared sizes: an entry that inflates past them keeps its CPU busy to the end.

export interface ZipLimits {
  /** Most entries an archive may list. */
  maxEntries: number;
  /** Most bytes all entries may declare uncompressed together, and most one entry may inflate to. */
  maxUncompressedBytes: number;
}

export interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
/**
 * Compressed bytes fed to the inflater per step. DEFLATE expands at most about 1,032:1, so one step
 * of a bomb allocates at most ~16 MiB before the size check sees it; smaller steps made large
 * legitimate assets slow, because fflate re-copies its pending input on every step.
 */
const INFLATE_STEP = 16384;
/**
 * The smallest step. A step is also kept to what could still fit in the declared size at 1,032:1,
 * so an entry that declares little (a bomb that lies) overshoots by at most ~1 MiB, not ~16 MiB:
 * caught in milliseconds. Entries that declare a lot still take full steps until near their end.
 */
const MIN_INFLATE_STEP = 1024;
const MAX_DEFLATE_RATIO = 1032;

/** Lists the archive's entries from its central directory, enforcing `limits` on the declared values. */
export function readZipDirectory(zip: Uint8Array, limits: ZipLimits): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(zip);
  const diskEntries = readU16LE(zip, eocd + 8);
  const total = readU16LE(zip, eocd + 10);
  const cdSize = readU32LE(zip, eocd + 12);
  const cdOffset = readU32LE(zip, eocd + 16);
  if (readU16LE(zip, eocd + 4) !== 0 || readU16LE(zip, eocd + 6) !== 0 || diskEntries !== total)
    throw new CardError('bad_zip', 'multi-part ZIP archives are not supported');
  if (total === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
    throw new CardError('bad_zip', 'ZIP64 archives are not supported');
  if (total > limits.maxEntries)
    throw new CardError('zip_limits', `ZIP has ${total} entries, over the limit of ${limits.maxEntries}`);
  if (cdOffset + cdSize > eocd) throw new CardError('bad_zip', 'ZIP central directory lies outside the file');

  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let declared = 0;
  let at = cdOffset;
  const end = cdOffset + cdSize;
  for (let i = 0; i < total; i++) {
    if (at + CENTRAL_SIZE > end || readU32LE(zip, at) !== CENTRAL_SIGNATURE)
      throw new CardError('bad_zip', `ZIP central directory entry ${i} at byte ${at} is malformed`);
    const nameLength = readU16LE(zip, at + 28);
    const next = at + CENTRAL_SIZE + nameLength + readU16LE(zip, at + 30) + readU16LE(zip, at + 32);
    if (next > end)
      throw new CardError('bad_zip', `ZIP central directory entry ${i} at byte ${at} is truncated`);
    const entry: ZipEntry = {
      name: decodeUtf8(zip.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength)),
      flags: readU16LE(zip, at + 8),
      method: readU16LE(zip, at + 10),
      crc: readU32LE(zip, at + 16),
      compressedSize: readU32LE(zip, at + 20),
      uncompressedSize: readU32LE(zip, at + 24),
      localHeaderOffset: readU32LE(zip, at + 42),
    };
    if (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff)
      throw new CardError('bad_zip', 'ZIP64 archives are not supported');
    // Two entries of one name would let two readers see two different cards.
    if (names.has(entry.name)) throw new CardError('bad_zip', `ZIP lists ${entry.name} twice`);
    names.add(entry.name);
    declared += entry.uncompressedSize;
    if (declared > limits.maxUncompressedBytes)
      throw new CardError(
        'zip_limits',
        `ZIP entries add up to more than ${formatBytes(limits.maxUncompressedBytes)} uncompressed`,
      );
    entries.push(entry);
    at = next;
  }
  return entries;
}

/**
 * The entry's bytes, checked against its CRC. An entry that inflates past its declared size is
 * stopped as soon as it does, so a zip bomb costs at most one inflate step beyond the limit.
 */
export function readZipEntry(zip: Uint8Array, entry: ZipEntry, limits: ZipLimits): Uint8Array {
  const { data, method } = compressedData(zip, entry, limits);
  let out: Uint8Array;
  if (method === 'stored') {
    out = data.slice();
  } else {
    out = new Uint8Array(entry.uncompressedSize);
    let at = 0;
    inflateCapped(data, entry, (chunk) => {
      out.set(chunk, at);
      at += chunk.length;
    });
  }
  if (crc32(out) !== entry.crc) throw new CardError('bad_crc', `ZIP entry ${entry.name} has a bad CRC`);
  return out;
}

/**
 * Checks what readZipEntry checks (the declared size is the real one, the CRC holds) without
 * keeping the bytes: the inflated data goes through a running CRC and is dropped, so memory stays
 * at one inflate step whatever the entry holds. For checking a whole archive before accepting it.
 */
export function checkZipEntry(zip: Uint8Array, entry: ZipEntry, limits: ZipLimits): void {
  const { data, method } = compressedData(zip, entry, limits);
  let crc = 0;
  if (method === 'stored') crc = crc32(data);
  else inflateCapped(data, entry, (chunk) => (crc = crc32(chunk, crc)));
  if (crc !== entry.crc) throw new CardError('bad_crc', `ZIP entry ${entry.name} has a bad CRC`);
}

/** The entry's compressed bytes, after the checks that need no inflating. */
function compressedData(
  zip: Uint8Array,
  entry: ZipEntry,
  limits: ZipLimits,
): { data: Uint8Array; method: 'stored' | 'deflate' } {
  const { name } = entry;
  if (entry.flags & 1) throw new CardError('bad_zip', `ZIP entry ${name} is encrypted`);
  if (entry.uncompressedSize > limits.maxUncompressedBytes)
    throw new CardError(
      'zip_limits',
      `ZIP entry ${name} is ${entry.uncompressedSize} bytes uncompressed, over the ${formatBytes(limits.maxUncompressedBytes)} limit`,
    );
  const local = entry.localHeaderOffset;
  if (local + LOCAL_SIZE > zip.length || readU32LE(zip, local) !== LOCAL_SIGNATURE)
    throw new CardError('bad_zip', `ZIP entry ${name} has no local header at byte ${local}`);
  const start = local + LOCAL_SIZE + readU16LE(zip, local + 26) + readU16LE(zip, local + 28);
  const end = start + entry.compressedSize;
  if (end > zip.length) throw new CardError('bad_zip', `ZIP entry ${name} is truncated`);
  const data = zip.subarray(start, end);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize)
      throw new CardError('bad_zip', `ZIP entry ${name} is stored but its two sizes differ`);
    return { data, method: 'stored' };
  }
  if (entry.method === 8) return { data, method: 'deflate' };
  throw new CardError('bad_zip', `ZIP entry ${name} uses compression method ${entry.method}, not deflate`);
}

/**
 * Inflates `data` into `sink` chunk by chunk, and stops with `zip_limits` as soon as the output
 * passes the entry's declared size: the caller's memory is bounded by that size, never by the data.
 * The error's `details.inflatedBytes` says how far it got (at most one step past the declared size).
 */
function inflateCapped(data: Uint8Array, entry: ZipEntry, sink: (chunk: Uint8Array) => void): void {
  const { name, uncompressedSize: size } = entry;
  let produced = 0;
  const inflate = new Inflate((chunk) => {
    if (produced + chunk.length > size)
      throw new CardError('zip_limits', `ZIP entry ${name} inflates past its declared ${size} bytes`, {
        details: { inflatedBytes: produced + chunk.length },
      });
    sink(chunk);
    produced += chunk.length;
  });
  try {
    for (let at = 0; at < data.length;) {
      const fits = Math.ceil((size - produced) / MAX_DEFLATE_RATIO);
      const step = Math.min(INFLATE_STEP, Math.max(MIN_INFLATE_STEP, fits));
      const end = Math.min(at + step, data.length);
      inflate.push(data.subarray(at, end), end === data.length);
      at = end;
    }
    if (data.length === 0) inflate.push(new Uint8Array(0), true);
  } catch (err) {
    if (err instanceof CardError) throw err;
    throw new CardError('bad_zip', `ZIP entry ${name} is not valid deflate data`, { cause: err });
  }
  if (produced !== size)
    throw new CardError(
      'bad_zip',
      `ZIP entry ${name} inflates to ${produced} bytes, not the declared ${size}`,
    );
}

function findEndOfCentralDirectory(zip: Uint8Array): number {
  const lowest = Math.max(0, zip.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = zip.length - EOCD_SIZE; at >= lowest; at--) {
    if (readU32LE(zip, at) === EOCD_SIGNATURE && at + EOCD_SIZE + readU16LE(zip, at + 20) <= zip.length)
      return at;
  }
  throw new CardError('bad_zip', 'ZIP has no end-of-central-directory record; the file may be truncated');
}
