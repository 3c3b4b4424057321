import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { blankPng, readPngCardTexts, walkPng, withCardTexts } from './png.ts';
import { cardErrorOf as codeOf, pngChunk, plainChunks, plainTexts, solidPng, textChunk } from './testing.ts';

const MiB = 1024 * 1024;

describe('readPngCardTexts', () => {
  it('when a PNG has chara and ccv3 chunks, then the first of each is read, whatever the keyword case', () => {
    const png = solidPng(
      [0, 0, 0, 0],
      [textChunk('Comment', 'hello'), textChunk('CHARA', 'Zmlyc3Q='), textChunk('chara', 'c2Vjb25k')],
    );
    const texts = readPngCardTexts(png, MiB);
    expect(texts.chara).toMatchObject({ keyword: 'chara', text: 'Zmlyc3Q=' });
    expect(texts.ccv3).toBeUndefined();
  });

  it('when a chunk is cut short, then the error names its type and byte offset', () => {
    const png = solidPng([0, 0, 0, 0], [textChunk('chara', 'abcd')]);
    // The signature is 8 bytes and IHDR 25, so the tEXt chunk starts at byte 33.
    expect(codeOf(() => walkPng(png.subarray(0, 45), MiB, () => {}))).toBe(
      'truncated_png: PNG chunk tEXt at byte 33 is truncated',
    );
  });

  it('when a chunk has a wrong CRC, then bad_crc names it', () => {
    const png = solidPng([0, 0, 0, 0], [textChunk('chara', 'abcd')]);
    png[33 + 8]! ^= 0xff;
    expect(codeOf(() => walkPng(png, MiB, () => {}))).toBe(
      'bad_crc: PNG chunk tEXt at byte 33 has a bad CRC',
    );
  });

  it('when a chunk declares a length over the limit, then too_large comes before any read of its data', () => {
    // 20 bytes of file claiming a 2 GiB chunk: the limit must trip, not the truncation check.
    const png = solidPng([0, 0, 0, 0]).slice(0, 41);
    new DataView(png.buffer).setUint32(33, 0x7fffffff);
    png.set([0x74, 0x45, 0x58, 0x74], 37);
    expect(codeOf(() => walkPng(png, 8 * MiB, () => {}))).toBe(
      'too_large: PNG chunk tEXt at byte 33 is 2147483647 bytes, over the 8 MiB limit',
    );
  });

  it('when the PNG has no IEND, then it is truncated_png', () => {
    const png = solidPng([0, 0, 0, 0]);
    expect(codeOf(() => walkPng(png.subarray(0, png.length - 12), MiB, () => {}))).toMatch(
      /^truncated_png: PNG ends at byte \d+ without an IEND chunk$/,
    );
  });

  it('when the first chunk is not IHDR, then it is bad_png', () => {
    const png = Buffer.concat([Buffer.from(solidPng([0, 0, 0, 0]).subarray(0, 8)), textChunk('chara', 'x')]);
    expect(codeOf(() => walkPng(png, MiB, () => {}))).toBe(
      'bad_png: PNG starts with a tEXt chunk instead of IHDR',
    );
  });

  it('when bytes follow IEND, then they are ignored', () => {
    const png = Buffer.concat([Buffer.from(solidPng([0, 0, 0, 0])), Buffer.from('trailing junk')]);
    const types: string[] = [];
    walkPng(png, MiB, (c) => types.push(c.type));
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
  });
});

describe('withCardTexts', () => {
  it('when a PNG already carries cards, then they are replaced and every other chunk is kept in order', () => {
    const itxt = pngChunk('iTXt', Buffer.from('ccv3\0\0\0\0\0old', 'latin1'));
    const png = solidPng([1, 2, 3, 4], [textChunk('chara', 'b2xk'), textChunk('Software', 'paint'), itxt]);
    const out = withCardTexts(
      png,
      [
        { keyword: 'chara', text: 'bmV3' },
        { keyword: 'ccv3', text: 'djM=' },
      ],
      MiB,
    );
    const chunks = plainChunks(out);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'IDAT', 'tEXt', 'tEXt', 'IEND']);
    expect(chunks.every((c) => c.crcOk)).toBe(true);
    expect(plainTexts(out)).toEqual(
      new Map([
        ['Software', ['paint']],
        ['chara', ['bmV3']],
        ['ccv3', ['djM=']],
      ]),
    );
  });

  it('when a card chunk would exceed the chunk limit, then too_large', () => {
    expect(codeOf(() => withCardTexts(blankPng(), [{ keyword: 'chara', text: 'A'.repeat(100) }], 64))).toBe(
      'too_large: the chara chunk would be 106 bytes, over the 64 bytes limit',
    );
  });
});

describe('blankPng', () => {
  it('when decoded by zlib, then it is one transparent RGBA pixel with valid CRCs', () => {
    const chunks = plainChunks(blankPng());
    expect(chunks.map((c) => [c.type, c.crcOk])).toEqual([
      ['IHDR', true],
      ['IDAT', true],
      ['IEND', true],
    ]);
    expect([...chunks[0]!.data]).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);
    expect([...inflateSync(chunks[1]!.data)]).toEqual([0, 0, 0, 0, 0]);
  });
});
