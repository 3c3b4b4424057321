// Byte-level helpers shared by the PNG and ZIP readers. Every reader checks bounds before it reads,
// so these assume their offsets are in range.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC), the checksum of both PNG chunks and ZIP entries; `prev` continues a running CRC. */
export function crc32(bytes: Uint8Array, prev = 0): number {
  let c = ~prev >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

export function readU32BE(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

export function writeU32BE(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

export function readU16LE(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8);
}

export function readU32LE(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

/**
 * UTF-8 to text, replacing malformed sequences with U+FFFD rather than refusing the card: cards
 * written by old tools sometimes carry a stray byte, and one lost character beats a lost card.
 * A leading byte-order mark is dropped.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
}

export function encodeUtf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** PNG tEXt keywords and text are Latin-1; every byte maps to the code point of the same value. */
export function decodeLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

export function encodeLatin1(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

// Standard alphabet only. Padding is optional because some writers drop it; line breaks are allowed
// because some writers wrap at 76 columns.
const BASE64 = /^[A-Za-z0-9+/]*$/;

/**
 * Strict base64 decoding: `undefined` for anything that is not base64, where Buffer.from would
 * silently skip the bad characters and decode the rest.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const compact = text.replace(/[\t\n\r ]+/g, '');
  const body = compact.replace(/={1,2}$/, '');
  if (!BASE64.test(body)) return undefined;
  if (body.length % 4 === 1) return undefined;
  if (body.length !== compact.length && compact.length % 4 !== 0) return undefined;
  return new Uint8Array(Buffer.from(body, 'base64'));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64');
}
