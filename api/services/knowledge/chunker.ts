// Splits a document into the passages retrieval works with. Pure and deterministic.
//
// A passage should be small enough that a few of them fit a turn's context and large enough to
// carry a fact with its surroundings: paragraphs are packed up to `maxChars`, a paragraph longer
// than that is split at sentence boundaries, and consecutive passages of one section share a short
// overlap so a fact cut at a boundary is still found whole in one of them. Markdown is first cut
// at its headings, and each passage keeps its heading path, which is also searched.
import type { KnowledgeFormat } from '../../../protocol/index.ts';

export interface ChunkOptions {
  /** Longest passage, in characters. @defaultValue 800 */
  maxChars: number;
  /** Text repeated from the end of one passage at the start of the next, at most, in characters. @defaultValue 150 */
  overlapChars: number;
}

export const defaultChunkOptions: ChunkOptions = { maxChars: 800, overlapChars: 150 };

export interface Chunk {
  /** 0, 1, 2… in document order. */
  ordinal: number;
  /** Heading path (`Setting › The harbour`) for Markdown; empty for text and before the first heading. */
  heading: string;
  content: string;
}

/** The separator of a heading path. */
export const HEADING_SEPARATOR = ' › ';

interface Section {
  heading: string;
  body: string;
}

/** Splits a document into passages; blank input gives none. */
export function chunkDocument(
  content: string,
  format: KnowledgeFormat,
  opts: Partial<ChunkOptions> = {},
): Chunk[] {
  const o = { ...defaultChunkOptions, ...opts };
  if (o.maxChars < 20) throw new RangeError('maxChars must be at least 20');
  const overlap = Math.max(0, Math.min(o.overlapChars, Math.floor(o.maxChars / 4)));
  const text = content.replace(/\r\n?/g, '\n');
  const sections = format === 'markdown' ? markdownSections(text) : [{ heading: '', body: text }];
  const chunks: Chunk[] = [];
  sections.forEach((section, i) => {
    const pieces = packSection(section.body, o.maxChars, overlap);
    // A heading with nothing under it, not even a subsection, still says something: keep it.
    const next = sections[i + 1]?.heading ?? '';
    const leaf = section.heading.split(HEADING_SEPARATOR).at(-1) ?? '';
    if (pieces.length === 0 && leaf && !next.startsWith(section.heading + HEADING_SEPARATOR))
      pieces.push(...hardSplit(leaf, o.maxChars));
    for (const piece of pieces)
      chunks.push({ ordinal: chunks.length, heading: section.heading, content: piece });
  });
  return chunks;
}

/** The first heading of a Markdown document, for a title. */
export function firstMarkdownHeading(content: string): string | undefined {
  for (const line of content.replace(/\r\n?/g, '\n').split('\n')) {
    const m = ATX_HEADING.exec(line);
    if (m?.[2]?.trim()) return cleanHeading(m[2]).slice(0, 200);
  }
  return undefined;
}

const ATX_HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*$/;
const FENCE = /^ {0,3}(```|~~~)/;

/** ATX headings (`## Title`) outside fenced code. Setext headings are not recognised: a `---` line is
 *  more often a rule in the documents people upload, and reading it as a heading would misfile text. */
function markdownSections(text: string): Section[] {
  const sections: Section[] = [];
  const path: string[] = [];
  let body: string[] = [];
  let inFence = false;
  const flush = () => {
    sections.push({ heading: path.filter(Boolean).join(HEADING_SEPARATOR), body: body.join('\n') });
    body = [];
  };
  for (const line of text.split('\n')) {
    if (FENCE.test(line)) inFence = !inFence;
    const m = inFence ? null : ATX_HEADING.exec(line);
    if (!m) {
      body.push(line);
      continue;
    }
    flush();
    const level = m[1]!.length;
    path.length = level;
    path[level - 1] = cleanHeading(m[2] ?? '');
  }
  flush();
  return sections;
}

/** `Title ##` → `Title`; inline emphasis and code marks dropped. */
function cleanHeading(raw: string): string {
  return raw
    .replace(/[ \t]+#+$/, '')
    .replace(/[*_`]/g, '')
    .trim();
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Sentences of a paragraph, each trimmed; a sentence over `max` is cut at word boundaries. */
function sentencesOf(paragraph: string, max: number): string[] {
  const out: string[] = [];
  for (const { segment } of sentenceSegmenter.segment(paragraph)) {
    const s = segment.trim();
    if (!s) continue;
    if (s.length <= max) out.push(s);
    else out.push(...hardSplit(s, max));
  }
  return out;
}

/** Pieces of at most `max` characters, cut at the last space before the limit when there is one. */
function hardSplit(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const space = rest.lastIndexOf(' ', max);
    const cut = space > max / 2 ? space : max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

/** The end of a passage to repeat at the start of the next: whole sentences, else whole words. */
function overlapOf(passage: string, overlap: number): string {
  if (overlap === 0) return '';
  const sentences = sentencesOf(passage, passage.length);
  let tail = '';
  for (let i = sentences.length - 1; i >= 0; i--) {
    const next = tail ? `${sentences[i]} ${tail}` : sentences[i]!;
    if (next.length > overlap) break;
    tail = next;
  }
  if (tail && tail !== passage) return tail;
  // No whole sentence fits: the last words, starting at a word boundary.
  const slice = passage.slice(-overlap);
  const space = slice.indexOf(' ');
  return space >= 0 && space < slice.length - 1 ? slice.slice(space + 1) : '';
}

/** Paragraphs packed into passages of at most `max` characters, with the overlap between them. */
function packSection(body: string, max: number, overlap: number): string[] {
  const paragraphs = body
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  // Units are whole paragraphs where they fit, else sentences (or pieces of a sentence).
  const units: Array<{ text: string; joiner: string }> = [];
  for (const p of paragraphs) {
    if (p.length <= max) units.push({ text: p, joiner: '\n\n' });
    else sentencesOf(p, max).forEach((s, i) => units.push({ text: s, joiner: i === 0 ? '\n\n' : ' ' }));
  }
  const out: string[] = [];
  let current = '';
  for (const unit of units) {
    const joined = current ? `${current}${unit.joiner}${unit.text}` : unit.text;
    if (joined.length <= max) {
      current = joined;
      continue;
    }
    out.push(current);
    const carried = overlapOf(current, overlap);
    const withOverlap = carried ? `${carried} ${unit.text}` : unit.text;
    current = withOverlap.length <= max ? withOverlap : unit.text;
  }
  if (current) out.push(current);
  return out;
}
