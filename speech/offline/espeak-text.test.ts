import { describe, expect, it } from 'vitest';
import { espeakVoiceName, toEspeakText, WavStreamReader } from './espeak-text.ts';

function wavHeader(opts: { sampleRate?: number; channels?: number; extraChunk?: boolean } = {}): Buffer {
  const { sampleRate = 22_050, channels = 1, extraChunk = false } = opts;
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'ascii');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8); // PCM
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(sampleRate, 12);
  fmt.writeUInt32LE(sampleRate * channels * 2, 16);
  fmt.writeUInt16LE(channels * 2, 20);
  fmt.writeUInt16LE(16, 22);
  const list = Buffer.concat([Buffer.from('LIST', 'ascii'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]);
  const data = Buffer.alloc(8);
  data.write('data', 0, 'ascii');
  data.writeUInt32LE(0x7ffff000, 4); // espeak-ng's placeholder size on a pipe
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(0x7ffff024, 4);
  riff.write('WAVE', 8, 'ascii');
  return Buffer.concat([riff, fmt, ...(extraChunk ? [list] : []), data]);
}

describe('toEspeakText', () => {
  it('when text has newlines, controls, phoneme brackets or markdown, then one clean line is left', () => {
    expect(toEspeakText('  Hello,\nworld!\t')).toBe('Hello, world!');
    expect(toEspeakText("[[h@l'oU]] there")).toBe("h@l'oU there");
    expect(toEspeakText('a\u0000b\u0007c\u009fd')).toBe('a b c d');
    expect(toEspeakText('**bold** and `code` # x ~y~')).toBe('bold and code x y');
    expect(toEspeakText('lone \uD800 surrogate \uFFFD')).toBe('lone surrogate');
    expect(toEspeakText('emoji 😀 stays')).toBe('emoji 😀 stays');
  });

  it('when nothing speakable remains, then the result is empty', () => {
    for (const text of ['', '   ', '\n\n', '** __ ##']) expect(toEspeakText(text)).toBe('');
  });

  it('when a variant is given, then the voice name is voice+variant', () => {
    expect(espeakVoiceName('en-us', 'f3')).toBe('en-us+f3');
    expect(espeakVoiceName('en-gb', undefined)).toBe('en-gb');
  });
});

describe('WavStreamReader', () => {
  it('when the header arrives split byte by byte, then only the samples come out, whatever the size fields say', () => {
    const samples = Buffer.from([1, 0, 2, 0, 3, 0]);
    const stream = Buffer.concat([wavHeader({ extraChunk: true }), samples]);
    const reader = new WavStreamReader();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(reader.push(stream.subarray(i, i + 1)));
    expect(Buffer.concat(out)).toEqual(samples);
    expect(reader.format).toEqual({ sampleRate: 22_050, channels: 1, bitsPerSample: 16 });
    expect(reader.push(Buffer.from([9, 9]))).toEqual(Buffer.from([9, 9]));
  });

  it('when the stream is not a WAV, then it says so', () => {
    expect(() => new WavStreamReader().push(Buffer.from('ID3\u0004 not a riff file'))).toThrow(/not a WAV/);
  });
});
