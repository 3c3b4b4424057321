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

  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize)
      throw new CardError('bad_zip', `ZIP entry ${name} is stored but its two sizes differ`);
    out = data.slice();
  } else if (entry.method === 8) {
    out = inflateBounded(data, entry.uncompressedSize, name);
  } else {
    throw new CardError('bad_zip', `ZIP entry ${name} uses compression method ${entry.method}, not deflate`);
  }
  if (crc32(out) !== entry.crc) throw new CardError('bad_crc', `ZIP entry ${name} has a bad CRC`);
  return out;
}

function inflateBounded(data: Uint8Array, size: number, name: string): Uint8Array {
  const out = new Uint8Array(size);
  let produced = 0;
  const inflate = new Inflate((chunk) => {
    if (produced + chunk.length > size)
      throw new CardError('zip_limits', `ZIP entry ${name} inflates past its declared ${size} bytes`);
    out.set(chunk, produced);
    produced += chunk.length;
  });
  try {
    for (let at = 0; at < data.length; at += INFLATE_STEP) {
      const end = Math.min(at + INFLATE_STEP, data.length);
      inflate.push(data.subarray(at, end), end === data.length);
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
  return out;
}

function findEndOfCentralDirectory(zip: Uint8Array): number {
  const lowest = Math.max(0, zip.length - EOCD_SIZE - MAX_COMMENT);
  for (let at = zip.length - EOCD_SIZE; at >= lowest; at--) {
    if (readU32LE(zip, at) === EOCD_SIGNATURE && at + EOCD_SIZE + readU16LE(zip, at + 20) <= zip.length)
      return at;
  }
  throw new CardError('bad_zip', 'ZIP has no end-of-central-directory record; the file may be truncated');
}
