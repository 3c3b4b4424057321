import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { cardContentHash } from './library-hash.ts';
import {
  defaultLibraryLimits,
  libraryCardBytes,
  LibraryError,
  openLibrary,
  type LibraryItem,
  type LibraryLimits,
} from './library.ts';
import { importCard } from './import.ts';
import {
  charxCard,
  jsonBytes,
  ONE_INFLATE_STEP_BYTES,
  patchZipEntry,
  pngCard,
  v1Card,
  v2Card,
  v3Card,
} from './testing.ts';

const limits: LibraryLimits = { maxCards: 20, maxUncompressedBytes: 4 * 1024 ** 2, maxCardBytes: 1024 ** 2 };

async function libraryErrorThrownBy(p: Promise<unknown>): Promise<LibraryError | undefined> {
  try {
    await p;
  } catch (err) {
    if (err instanceof LibraryError) return err;
    throw err;
  }
  return undefined;
}

async function libraryErrorOf(p: Promise<unknown>): Promise<string> {
  const err = await libraryErrorThrownBy(p);
  return err ? `${err.code} (${err.kind})` : 'no error';
}

const summary = (items: LibraryItem[]) =>
  items.map((i) => (i.kind === 'rejected' ? `${i.file}: rejected ${i.code}` : `${i.file}: ${i.kind}`));

describe('openLibrary', () => {
  it('when a ZIP library mixes cards, folders, macOS junk and other files, then only the cards are items', async () => {
    const zip = zipSync({
      'cards/': new Uint8Array(0),
      'cards/oro.json': jsonBytes(v2Card()),
      'cards/lune.png': pngCard(v3Card()),
      'cards/set.charx': charxCard().zip,
      '__MACOSX/cards/._oro.json': strToU8('junk'),
      'cards/.DS_Store': strToU8('junk'),
      'README.txt': strToU8('my cards'),
      'more.zip': zipSync({ 'a.json': jsonBytes(v1Card()) }),
    });
    const { items, ignored } = await openLibrary([{ name: 'lib.zip', bytes: zip }], limits);
    expect(summary(items)).toEqual([
      'lib.zip/cards/oro.json: entry',
      'lib.zip/cards/lune.png: entry',
      'lib.zip/cards/set.charx: entry',
      'lib.zip/more.zip: rejected nested_zip',
    ]);
    expect(ignored).toBe(1);
    const names = items
      .filter((i) => i.kind !== 'rejected')
      .map((i) => importCard({ bytes: libraryCardBytes(i, limits) }).draft.name);
    expect(names).toEqual(['Captain Oro', 'Professor Lune', 'Professor Lune']);
  });

  it('when single card files and a library come together, then they are items in upload order', async () => {
    const files = [
      { name: 'oro.json', bytes: jsonBytes(v2Card()) },
      { name: 'lib.zip', bytes: zipSync({ 'a.json': jsonBytes(v1Card()) }) },
      { name: 'notes.txt', bytes: strToU8('hello') },
      { name: 'lune.charx', bytes: charxCard().zip },
    ];
    const { items } = await openLibrary(files, limits);
    expect(summary(items)).toEqual([
      'oro.json: file',
      'lib.zip/a.json: entry',
      'notes.txt: rejected unsupported_format',
      'lune.charx: file',
    ]);
  });

  it('when a ZIP without a .zip name holds card.json at its root, then it is one .charx card', async () => {
    const { items } = await openLibrary([{ name: 'upload', bytes: charxCard().zip }], limits);
    expect(summary(items)).toEqual(['upload: file']);
  });

  it('when an entry is corrupt, then only its card is rejected', async () => {
    const zip = patchZipEntry(
      zipSync({ 'a.json': jsonBytes(v2Card()), 'b.json': jsonBytes(v1Card()) }),
      'a.json',
      { crc: 1 },
    );
    const { items } = await openLibrary([{ name: 'lib.zip', bytes: zip }], limits);
    expect(summary(items)).toEqual(['lib.zip/a.json: rejected bad_crc', 'lib.zip/b.json: entry']);
  });

  it('when there are more cards than maxCards, then too_many_cards (400)', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 21 }, (_, i) => [`c${i}.json`, jsonBytes({ ...v1Card(), name: `C${i}` })]),
    );
    const bytes = zipSync(files);
    expect(await libraryErrorOf(openLibrary([{ name: 'lib.zip', bytes }], limits))).toBe(
      'too_many_cards (invalid)',
    );
  });

  it('when an entry declares more than maxCardBytes, then card_too_large (413) without inflating', async () => {
    const bytes = zipSync({ 'zeros.json': new Uint8Array(limits.maxCardBytes + 1) });
    expect(await libraryErrorOf(openLibrary([{ name: 'lib.zip', bytes }], limits))).toBe(
      'card_too_large (size)',
    );
  });

  it('when the cards declare more than maxUncompressedBytes together, then too_large (413)', async () => {
    const big = new Uint8Array(limits.maxCardBytes - 10);
    const files = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`z${i}.json`, big]));
    expect(await libraryErrorOf(openLibrary([{ name: 'lib.zip', bytes: zipSync(files) }], limits))).toBe(
      'too_large (size)',
    );
  });

  it('when an entry inflates past the size it declares (a zip bomb), then zip_bomb (413), within one inflate step', async () => {
    const bomb = patchZipEntry(zipSync({ 'bomb.json': new Uint8Array(8 * 1024 ** 2) }), 'bomb.json', {
      uncompressedSize: 1000,
    });
    const err = await libraryErrorThrownBy(openLibrary([{ name: 'lib.zip', bytes: bomb }], limits));
    expect(`${err?.code} (${err?.kind})`).toBe('zip_bomb (size)');
    // Stopped at once: the 8 MiB were never inflated, only the declared size and one small step.
    expect(err?.inflatedBytes).toBeGreaterThan(1000);
    expect(err?.inflatedBytes).toBeLessThanOrEqual(1000 + ONE_INFLATE_STEP_BYTES);
  });

  it('when a ZIP library is broken or holds no card, then bad_zip or no_cards (400)', async () => {
    const cut = zipSync({ 'a.json': jsonBytes(v1Card()) }).subarray(0, 30);
    expect(await libraryErrorOf(openLibrary([{ name: 'lib.zip', bytes: cut }], limits))).toBe(
      'bad_zip (invalid)',
    );
    const empty = zipSync({ 'README.md': strToU8('nothing here') });
    expect(await libraryErrorOf(openLibrary([{ name: 'lib.zip', bytes: empty }], limits))).toBe(
      'no_cards (invalid)',
    );
  });

  it('when the defaults are used, then they are the documented ones', () => {
    expect(defaultLibraryLimits).toEqual({
      maxCards: 1000,
      maxUncompressedBytes: 512 * 1024 ** 2,
      maxCardBytes: 20 * 1024 ** 2,
    });
  });
});

describe('cardContentHash', () => {
  it('when the same card comes as JSON, PNG or with its keys reordered, then the hash is the same', () => {
    const json = importCard({ bytes: jsonBytes(v2Card()) });
    const png = importCard({ bytes: pngCard(v2Card()) });
    const card = v2Card();
    const data = card.data as Record<string, unknown>;
    const reordered = { ...card, data: Object.fromEntries(Object.entries(data).reverse()) };
    const shuffled = importCard({ bytes: jsonBytes(reordered) });
    expect(cardContentHash(png.raw)).toBe(cardContentHash(json.raw));
    expect(cardContentHash(shuffled.raw)).toBe(cardContentHash(json.raw));
    expect(cardContentHash(json.raw)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('when one data field differs, then the hash differs', () => {
    const card = v2Card();
    (card.data as Record<string, unknown>).description = 'Someone else entirely.';
    expect(cardContentHash(importCard({ bytes: jsonBytes(card) }).raw)).not.toBe(
      cardContentHash(importCard({ bytes: jsonBytes(v2Card()) }).raw),
    );
  });
});
