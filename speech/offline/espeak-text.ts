/**
 * Text and audio plumbing between the framework and the espeak-ng CLI. Pure functions, so the
 * awkward inputs (markup, control characters, split headers) are tested without a process.
 */

// espeak-ng reads `[[...]]` as raw phoneme mnemonics: user or LLM text must never reach it as such.
const PHONEME_BRACKETS = /\[\[|\]\]/g;
// C0/C1 controls (tab and newline are whitespace and collapse below).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// Lone UTF-16 surrogates become U+FFFD on the way to the pipe, which espeak reads aloud.
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFD/g;
// Markdown an LLM may emit despite instructions; espeak says "asterisk", "hash", "tilde".
const MARKDOWN_SYMBOLS = /[*#_`~|^\\]+/g;

/**
 * Text as espeak-ng should receive it on stdin: one line (a newline would end the clause early),
 * no phoneme brackets, controls or markdown symbols. Returns '' when nothing is left to say.
 */
export function toEspeakText(text: string): string {
  return text
    .replace(LONE_SURROGATES, ' ')
    .replace(CONTROL_CHARS, ' ')
    .replace(PHONEME_BRACKETS, ' ')
    .replace(MARKDOWN_SYMBOLS, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The voice argument espeak-ng takes: `voice` or `voice+variant`. */
export function espeakVoiceName(voice: string, variant: string | undefined): string {
  return variant ? `${voice}+${variant}` : voice;
}

/** Format of the PCM that follows a WAV header. */
export interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

/**
 * Strips the RIFF header from a WAV byte stream and passes the samples through. espeak-ng's
 * `--stdout` header carries placeholder sizes (it cannot seek a pipe), so the `data` chunk is
 * taken to run to the end of the stream, whatever its size field says.
 */
export class WavStreamReader {
  #header: Buffer = Buffer.alloc(0);
  #format: WavFormat | undefined;
  #inData = false;

  /** The format from the `fmt ` chunk, once it has been read. */
  get format(): WavFormat | undefined {
    return this.#format;
  }

  /** Feeds bytes from the stream; returns the sample bytes among them (possibly none). */
  push(chunk: Buffer): Buffer {
    if (this.#inData) return chunk;
    this.#header = Buffer.concat([this.#header, chunk]);
    const h = this.#header;
    if (h.length < 12) return Buffer.alloc(0);
    if (h.toString('ascii', 0, 4) !== 'RIFF' || h.toString('ascii', 8, 12) !== 'WAVE') {
      throw new Error('not a WAV stream: missing RIFF/WAVE header');
    }
    let offset = 12;
    while (offset + 8 <= h.length) {
      const id = h.toString('ascii', offset, offset + 4);
      const size = h.readUInt32LE(offset + 4);
      if (id === 'data') {
        if (!this.#format) throw new Error('WAV stream has no fmt chunk before its data');
        this.#inData = true;
        const rest = h.subarray(offset + 8);
        this.#header = Buffer.alloc(0);
        return rest;
      }
      if (offset + 8 + size > h.length) return Buffer.alloc(0); // chunk not complete yet
      if (id === 'fmt ') {
        const audioFormat = h.readUInt16LE(offset + 8);
        if (audioFormat !== 1) throw new Error(`WAV stream is not PCM (format ${audioFormat})`);
        this.#format = {
          channels: h.readUInt16LE(offset + 10),
          sampleRate: h.readUInt32LE(offset + 12),
          bitsPerSample: h.readUInt16LE(offset + 22),
        };
      }
      offset += 8 + size + (size % 2); // chunks are word-aligned
    }
    return Buffer.alloc(0);
  }
}
