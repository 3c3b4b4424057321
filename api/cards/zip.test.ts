import { Zip, ZipDeflate, strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  cardErrorOf as errorOf,
  cardErrorThrownBy,
  ONE_INFLATE_STEP_BYTES,
  patchZipEntry,
} from './testing.ts';
import { checkZipEntry, readZipDirectory, readZipEntry, type ZipLimits } from './zip.ts';

const limits: ZipLimits = { maxEntries: 100, maxUncompressedBytes: 1024 * 1024 };

function readAll(zip: Uint8Array, l = limits): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readZipDirectory(zip, l))
    out[e.name] = Buffer.from(readZipEntry(zip, e, l)).toString('utf8');
  return out;
}

/** `make()`, built on first use and kept: the bombs take a while to deflate. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

/** A streamed archive: sizes and CRCs follow each entry in a data descriptor, not its local header. */
function streamedZip(files: Record<string, string>): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    parts.push(chunk);
  });
  for (const [name, text] of Object.entries(files)) {
    const entry = new ZipDeflate(name, { level: 6 });
    zip.add(entry);
    entry.push(strToU8(text), true);
  }
  zip.end();
  return new Uint8Array(Buffer.concat(parts));
}

describe('readZipDirectory and readZipEntry', () => {
  it('when the archive mixes stored and deflated entries, then each reads back exactly', () => {
    const zip = zipSync({
      'a.txt': [strToU8('stored'), { level: 0 }],
      'dir/b.txt': strToU8('x'.repeat(5000)),
    });
    expect(readAll(zip)).toEqual({ 'a.txt': 'stored', 'dir/b.txt': 'x'.repeat(5000) });
  });

  it('when the archive was streamed with data descriptors, then the central directory sizes are used', () => {
    expect(readAll(streamedZip({ 'card.json': '{"a":1}', 'n.txt': 'yes' }))).toEqual({
      'card.json': '{"a":1}',
      'n.txt': 'yes',
    });
  });

  it('when the archive lists more entries than allowed, then zip_limits', () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, strToU8('x')]));
    expect(errorOf(() => readZipDirectory(zipSync(files), { ...limits, maxEntries: 5 }))).toBe(
      'zip_limits: ZIP has 6 entries, over the limit of 5',
    );
  });

  it('when entries declare more uncompressed bytes than allowed, then zip_limits before any inflating', () => {
    const zip = patchZipEntry(zipSync({ 'card.json': strToU8('{}') }), 'card.json', {
      uncompressedSize: 0xfffffff0,
    });
    expect(errorOf(() => readZipDirectory(zip, limits))).toBe(
      'zip_limits: ZIP entries add up to more than 1 MiB uncompressed',
    );
  });

  // 16 MiB of zeros declared as 100 bytes: a zip bomb that lies. Inflating it whole would take ~16 MiB.
  const bomb = lazy(() =>
    patchZipEntry(zipSync({ 'card.json': new Uint8Array(16 * 1024 * 1024) }), 'card.json', {
      uncompressedSize: 100,
    }),
  );

  it.each([
    ['readZipEntry', readZipEntry],
    ['checkZipEntry', checkZipEntry],
  ])(
    'when an entry inflates past its declared size (a zip bomb), then %s stops within one inflate step with zip_limits',
    (_name, read) => {
      const zip = bomb();
      const [entry] = readZipDirectory(zip, limits);
      const err = cardErrorThrownBy(() => read(zip, entry!, limits));
      expect(`${err?.code}: ${err?.message}`).toBe(
        'zip_limits: ZIP entry card.json inflates past its declared 100 bytes',
      );
      // Stopped at once: what was inflated is the declared size plus at most one small step.
      expect(err?.details.inflatedBytes).toBeGreaterThan(100);
      expect(err?.details.inflatedBytes).toBeLessThanOrEqual(100 + ONE_INFLATE_STEP_BYTES);
    },
  );

  it('when an entry is sound, then checkZipEntry passes it, and fails a bad CRC as readZipEntry does', () => {
    const zip = zipSync({ 'a.txt': [strToU8('stored'), { level: 0 }], 'b.txt': strToU8('x'.repeat(5000)) });
    for (const e of readZipDirectory(zip, limits)) expect(() => checkZipEntry(zip, e, limits)).not.toThrow();
    const bad = patchZipEntry(zip, 'b.txt', { crc: 1 });
    const b = readZipDirectory(bad, limits).find((e) => e.name === 'b.txt')!;
    expect(errorOf(() => checkZipEntry(bad, b, limits))).toBe('bad_crc: ZIP entry b.txt has a bad CRC');
  });

  it('when an entry fails its CRC, then bad_crc', () => {
    const zip = patchZipEntry(zipSync({ 'card.json': strToU8('{}') }), 'card.json', { crc: 1 });
    expect(errorOf(() => readAll(zip))).toBe('bad_crc: ZIP entry card.json has a bad CRC');
  });

  it('when an entry is encrypted, then bad_zip', () => {
    const zip = patchZipEntry(zipSync({ 'card.json': strToU8('{}') }), 'card.json', { flags: 1 });
    expect(errorOf(() => readAll(zip))).toBe('bad_zip: ZIP entry card.json is encrypted');
  });

  it('when the archive is cut short, then bad_zip says the end record is missing', () => {
    const zip = zipSync({ 'card.json': strToU8('{"name":"x"}') });
    expect(errorOf(() => readAll(zip.subarray(0, zip.length - 30)))).toBe(
      'bad_zip: ZIP has no end-of-central-directory record; the file may be truncated',
    );
  });

  it('when a name appears twice, then bad_zip', () => {
    const zip = Buffer.from(zipSync({ 'card.json': strToU8('{}'), cardXjson: strToU8('{}') }));
    // Rename the second entry in both headers to collide with the first.
    let at = -1;
    while ((at = zip.indexOf('cardXjson', at + 1)) !== -1) zip.write('card.json', at);
    expect(errorOf(() => readAll(new Uint8Array(zip)))).toBe('bad_zip: ZIP lists card.json twice');
  });
});
