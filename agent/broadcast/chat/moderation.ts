// Moderation of chat coming in and of the characters' words going out. The checks here are pure
// (a maintained English word list, the operator's blocklist, links, length); `ModerationEndpoint`
// adds an optional OpenAI-compatible `/moderations` call. Both directions use the same rules:
// nothing a viewer could not post reaches a character, and nothing a character says carries a link
// or a blocked word to the stream.

import { createRequire } from 'node:module';
import { domainToASCII } from 'node:url';
import { RegExpMatcher, englishDataset, englishRecommendedTransformers } from 'obscenity';

/**
 * Why a text was stopped. `profanity`: the maintained English word list; `blocklist`: the
 * operator's own entries; `unavailable`: the endpoint did not answer in time and we fail closed.
 */
export type ModerationReason = 'profanity' | 'blocklist' | 'link' | 'length' | 'flagged' | 'unavailable';

export type Verdict = { ok: true } | { ok: false; reason: ModerationReason; detail?: string };

export interface ModerationOptions {
  /**
   * Stop the maintained English word list: obscenity's English dataset with its recommended
   * transformers (leetspeak, look-alike characters, stretched letters), also tried on the text with
   * spelled-out letters joined ("f u c k"). Its whitelist lets "Scunthorpe", "assistant" and
   * "class" through. `blocklist` adds to it; false leaves only `blocklist`.
   * @defaultValue true
   */
  profanityFilter: boolean;
  /**
   * Blocked words and phrases, matched case-insensitively on word boundaries after leetspeak-lite
   * normalisation ("h4te", "h a t e", "haaate" all match "hate"). A string written `/…/` is a regular
   * expression (flags `iu`), tried on the normalised and on the raw text.
   * @defaultValue []
   */
  blocklist: ReadonlyArray<string | RegExp>;
  /**
   * Stop texts with links: URLs, `www.` hosts, bare domains on any top-level domain IANA delegates
   * ("evil.com/x", "evil.ai") and the usual disguises ("evil dot ai", "evil . ai", "evil[.]com",
   * "evil (.) com", "evil.c0m").
   * @defaultValue true
   */
  blockLinks: boolean;
  /** Longest chat line accepted, in characters (Twitch's own cap is 500). @defaultValue 300 */
  maxLength: number;
  /** What a character says instead of a sentence it may not say. @defaultValue "Let's keep it friendly." */
  replacement: string;
}

export const defaultModerationOptions: ModerationOptions = {
  profanityFilter: true,
  blocklist: [],
  blockLinks: true,
  maxLength: 300,
  replacement: "Let's keep it friendly.",
};

const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '!': 'i',
  '|': 'i',
  '3': 'e',
  '4': 'a',
  '@': 'a',
  '5': 's',
  $: 's',
  '7': 't',
  '+': 't',
  '8': 'b',
  '9': 'g',
};

/**
 * Lower case, no accents or zero-width characters, leetspeak digits and symbols as letters, and
 * runs of single letters joined ("b a d" → "bad"). Word boundaries otherwise stay where they were.
 */
export function normaliseForMatching(text: string): string {
  const plain = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u200B-\u200D\u2060\uFEFF\u00AD]/gu, '')
    .toLowerCase();
  // Leet symbols only count inside words that have letters ("4 cats", "1337" keep their digits);
  // punctuation ending a word stays punctuation ("hate!" is not "hatei").
  const leet = plain.replace(/\S+/gu, (word) =>
    /\p{L}/u.test(word)
      ? word.replace(
          /^(.*?)([!.?,;:]*)$/su,
          (_m, body: string, tail: string) =>
            body.replace(/[01345789!|@$+]/gu, (ch) => LEET[ch] ?? ch) + tail,
        )
      : word,
  );
  // "b.a.d", "b a d", "b-a-d" → "bad": three or more single letters separated by one separator.
  return leet.replace(SPELLED, (run) => run.replace(/[\s.\-_*]/gu, ''));
}

/** Three or more single letters with one separator between each: "h a t e", "h.a.t.e". */
const SPELLED = /(?<![\p{L}\p{N}])\p{L}(?:[\s.\-_*]\p{L}(?![\p{L}\p{N}])){2,}/gu;

/** The letters of every spelled-out run in a (lower-case, leet-mapped) text. */
function spelledRuns(text: string): string[] {
  return [...text.matchAll(SPELLED)].map((m) => m[0].replace(/[^\p{L}]/gu, ''));
}

/** "haaate" → "hate": every run of one letter becomes one letter (for a second look only). */
const squeeze = (text: string) => text.replace(/(\p{L})\1+/gu, '$1');

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

/** A compiled blocklist; build it once per configuration. */
export class Blocklist {
  readonly #patterns: Array<{ re: RegExp; raw: boolean; label: string }>;
  /** Plain entries as bare letters, looked for inside spelled-out runs ("I h a t e it"). */
  readonly #compact: Array<{ letters: string; label: string }>;

  constructor(entries: ReadonlyArray<string | RegExp>) {
    this.#compact = entries
      .filter((e): e is string => typeof e === 'string' && !/^\/.+\/[a-z]*$/u.test(e.trim()))
      .map((e) => ({ letters: normaliseForMatching(e).replace(/[^\p{L}]/gu, ''), label: e.trim() }))
      .filter((e) => e.letters.length >= 3);
    this.#patterns = entries.flatMap((entry): Array<{ re: RegExp; raw: boolean; label: string }> => {
      if (entry instanceof RegExp) {
        const flags = new Set([...entry.flags, 'i', 'u']);
        flags.delete('g');
        flags.delete('y');
        return [{ re: new RegExp(entry.source, [...flags].join('')), raw: true, label: String(entry) }];
      }
      const text = entry.trim();
      if (!text) return [];
      const regex = /^\/(.+)\/([a-z]*)$/u.exec(text);
      if (regex) return [{ re: new RegExp(regex[1] ?? '', 'iu'), raw: true, label: text }];
      const words = normaliseForMatching(text).split(/\s+/u).map(escape).join('\\s*');
      return [
        { re: new RegExp(`(?<![\\p{L}\\p{N}])${words}(?![\\p{L}\\p{N}])`, 'iu'), raw: false, label: text },
      ];
    });
  }

  /** The entry the text hits, or null. */
  match(text: string): string | null {
    if (this.#patterns.length === 0) return null;
    const lowered = text
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase();
    const normal = normaliseForMatching(text);
    const squeezed = squeeze(normal);
    for (const p of this.#patterns) {
      if (p.re.test(normal) || p.re.test(squeezed) || (p.raw && p.re.test(text))) return p.label;
    }
    for (const run of spelledRuns(lowered.replace(/[01345789!|@$+]/gu, (ch) => LEET[ch] ?? ch))) {
      const hit = this.#compact.find(
        (e) => run.includes(e.letters) || squeeze(run).includes(squeeze(e.letters)),
      );
      if (hit) return hit.label;
    }
    return null;
  }
}

/**
 * Every top-level domain in IANA's root zone, lower case: the `tlds` package, which follows IANA's
 * list release by release (a JSON array, hence `require`).
 */
const TLDS: ReadonlySet<string> = new Set(
  (createRequire(import.meta.url)('tlds') as string[]).flatMap((t) => {
    const ascii = domainToASCII(t);
    // Internationalised TLDs in both spellings: "рф" and "xn--p1ai".
    return ascii && ascii !== t ? [t.toLowerCase(), ascii] : [t.toLowerCase()];
  }),
);

/** Leetspeak digits and symbols as letters, for a top-level domain written "c0m". */
const deleet = (label: string) => label.replace(/[01345789!|@$+]/gu, (ch) => LEET[ch] ?? ch);

/**
 * Whether `label` is a top-level domain as written, or in leetspeak ("c0m") when `leet` allows it:
 * only after a label with a letter, so that numbers ("1.5x", "3.5k") never read as "i.sx", "e.sk".
 */
function isTld(label: string, leet: boolean): boolean {
  const l = label.toLowerCase();
  if (TLDS.has(l)) return true;
  return leet && /\p{L}/u.test(l) && /[^\p{L}]/u.test(l) && TLDS.has(deleet(l));
}

const URL_LIKE = [
  /\b[a-z][a-z0-9+.-]*:\/\/\S+/iu, // any scheme://…
  /\bwww\d{0,3}\s*\.\s*\S+/iu, // www.…, "www . x"
  /(?:^|[^\p{L}\p{N}@])discord\s*\.\s*gg\b/iu,
];

/** Dot-separated labels, the last one a candidate TLD; not from inside a word or after an `@`. */
const DOTTED = /(?<![\p{L}\p{N}@])((?:[\p{L}\p{N}-]+\.)+)([\p{L}\p{N}-]+)(?![\p{L}\p{N}-])/gu;

/** Whether the text holds `name.tld` (any label after the first may be the TLD: "evil.com.x"). */
function hasBareDomain(text: string): boolean {
  for (const m of text.matchAll(DOTTED)) {
    const labels = [...(m[1] ?? '').split('.').filter(Boolean), m[2] ?? ''];
    for (let i = 1; i < labels.length; i += 1) {
      const before = labels.slice(0, i).join('');
      if (isTld(labels[i] ?? '', /\p{L}/u.test(before))) return true;
    }
  }
  return false;
}

/** Dot look-alikes: ideographic and halfwidth full stops, one-dot leader, small full stop. */
const DOT_LOOKALIKES = /[\u3002\uFF61\u2024\uFE52]/gu;
const BRACKET_DOT = /\s*[[({<]\s*(?:\.|d[o0]t)\s*[\])}>]\s*/giu;
/** "evil dot ai", "evil . ai": a spoken or spaced-out dot before a word that is a TLD. */
const SPOKEN_DOT = /\s+(?:d[o0]t|\.)\s+([\p{L}\p{N}-]+)(?![\p{L}\p{N}])/giu;
/**
 * "evil. com/x": a space after the dot only counts when a path, port or query follows, since
 * "nice. gg", "funny. lol" and "done. so" are sentences ("gg", "lol", "so" are TLDs too).
 */
const SPACED_DOT = /\.\s+([\p{L}\p{N}-]+)(?=[/:?#])/gu;

/** Undoes the usual dot disguises: "evil dot ai", "evil[.]com", "evil (dot) com", "evil . ai". */
function undisguise(text: string): string {
  const glue = (m: string, word: string) => (isTld(word, true) ? `.${word}` : m);
  return text.replace(BRACKET_DOT, '.').replace(SPOKEN_DOT, glue).replace(SPACED_DOT, glue);
}

/** Lower case, no accents or zero-width characters, dot look-alikes as dots. */
const plainForLinks = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[\u200B-\u200D\u2060\uFEFF\u00AD]/gu, '')
    .replace(DOT_LOOKALIKES, '.')
    .toLowerCase();

/** Whether the text carries a link, in plain sight or disguised. */
export function hasLink(text: string): boolean {
  const plain = plainForLinks(text);
  // Spelled-out letters joined too: "e v i l . c o m".
  const joined = plain.replace(SPELLED, (run) => run.replace(/[\s.\-_*]/gu, ''));
  const candidates = [plain, undisguise(plain), undisguise(joined)];
  return candidates.some((t) => URL_LIKE.some((re) => re.test(t)) || hasBareDomain(t));
}

/**
 * Everyday words the English dataset's own whitelist misses (found by running it over common
 * words): a character asked about a cockpit or shiitake must not be cut off.
 */
const ALSO_FINE = [
  'cockpit',
  'shiitake',
  'dickinson',
  'dicker',
  'penistone',
  'pussycat',
  'cumin',
  'retardant',
];

let englishMatcher: RegExpMatcher | undefined;

/** obscenity's English dataset with its recommended transformers, compiled once per process. */
function english(): RegExpMatcher {
  if (!englishMatcher) {
    const { blacklistedTerms, whitelistedTerms } = englishDataset.build();
    englishMatcher = new RegExpMatcher({
      blacklistedTerms,
      whitelistedTerms: [...(whitelistedTerms ?? []), ...ALSO_FINE],
      ...englishRecommendedTransformers,
    });
  }
  return englishMatcher;
}

/** The English word list's word the text hits, or null. */
export function profanityIn(text: string): string | null {
  const matcher = english();
  for (const candidate of [text, normaliseForMatching(text)]) {
    const [hit] = matcher.getAllMatches(candidate, true);
    if (hit)
      return englishDataset.getPayloadWithPhraseMetadata(hit).phraseMetadata?.originalWord ?? 'profanity';
  }
  return null;
}

/** The pure checks, compiled once. */
export class Moderator {
  readonly options: ModerationOptions;
  readonly #blocklist: Blocklist;

  constructor(options: Partial<ModerationOptions> = {}) {
    this.options = { ...defaultModerationOptions, ...options };
    this.#blocklist = new Blocklist(this.options.blocklist);
  }

  /** A chat line coming in: length, links, blocklist, the English word list. */
  checkIncoming(text: string): Verdict {
    if (text.length > this.options.maxLength) return { ok: false, reason: 'length' };
    return this.#checkWords(text);
  }

  /**
   * A character's words going out, sentence by sentence: a sentence with a link or a blocked word is
   * replaced by `replacement` (once, however many sentences were replaced in a row). Pure; works on
   * one complete sentence or on a whole reply.
   */
  moderateOutgoing(text: string): { text: string; changed: boolean; reasons: ModerationReason[] } {
    // Sentence ends are punctuation followed by space: "evil.com" stays inside its sentence.
    const sentences = text.trim().split(/(?<=[.!?…]["')\]]*)\s+/u);
    const reasons: ModerationReason[] = [];
    const out: string[] = [];
    for (const sentence of sentences) {
      const verdict = this.#checkWords(sentence);
      if (verdict.ok) {
        out.push(sentence);
        continue;
      }
      reasons.push(verdict.reason);
      const previous = out.at(-1)?.trim();
      if (previous !== this.options.replacement) out.push(this.options.replacement);
    }
    return { text: out.join(' '), changed: reasons.length > 0, reasons };
  }

  #checkWords(text: string): Verdict {
    if (this.options.blockLinks && hasLink(text)) return { ok: false, reason: 'link' };
    const hit = this.#blocklist.match(text);
    if (hit !== null) return { ok: false, reason: 'blocklist', detail: hit };
    const word = this.options.profanityFilter ? profanityIn(text) : null;
    return word === null ? { ok: true } : { ok: false, reason: 'profanity', detail: word };
  }
}

export interface ModerationEndpointOptions {
  /** OpenAI-compatible base URL ending in `/v1`; the call goes to `${baseUrl}/moderations`. */
  baseUrl: string;
  /** Bearer key; never logged. */
  apiKey?: string;
  /** @defaultValue omni-moderation-latest */
  model: string;
  /** A verdict that takes longer than this counts as `unavailable`. @defaultValue 1500 */
  timeoutMs: number;
  /**
   * Pass text when the endpoint is down or slow. Off: text waits for a verdict that never came and
   * is held back (fail closed), which is what speech going out to a stream needs.
   * @defaultValue false
   */
  failOpen: boolean;
}

export const defaultModerationEndpointOptions: Omit<ModerationEndpointOptions, 'baseUrl'> = {
  model: 'omni-moderation-latest',
  timeoutMs: 1500,
  failOpen: false,
};

/** An OpenAI-compatible moderation endpoint, with a short timeout. */
export class ModerationEndpoint {
  readonly options: ModerationEndpointOptions;

  constructor(options: Partial<ModerationEndpointOptions> & { baseUrl: string }) {
    this.options = { ...defaultModerationEndpointOptions, ...options };
  }

  async check(text: string, signal?: AbortSignal): Promise<Verdict> {
    const o = this.options;
    const timeout = AbortSignal.timeout(o.timeoutMs);
    const unavailable = (detail: string): Verdict =>
      o.failOpen ? { ok: true } : { ok: false, reason: 'unavailable', detail };
    try {
      const res = await fetch(`${o.baseUrl.replace(/\/+$/u, '')}/moderations`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: o.model, input: text }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (!res.ok) return unavailable(`status ${res.status}`);
      const body = (await res.json()) as {
        results?: Array<{ flagged?: boolean; categories?: Record<string, boolean> }>;
      };
      const result = body.results?.[0];
      if (!result || typeof result.flagged !== 'boolean') return unavailable('malformed answer');
      if (!result.flagged) return { ok: true };
      const categories = Object.entries(result.categories ?? {})
        .filter(([, on]) => on)
        .map(([name]) => name);
      return { ok: false, reason: 'flagged', detail: categories.join(',') };
    } catch (err) {
      return unavailable((err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable');
    }
  }
}

/**
 * Outgoing speech through both layers: the pure rules first, then the endpoint on what is left.
 * A flagged or unverifiable (fail-closed) text becomes the replacement.
 */
export async function moderateOutgoingWithEndpoint(
  moderator: Moderator,
  endpoint: ModerationEndpoint | undefined,
  text: string,
  signal?: AbortSignal,
): Promise<{ text: string; changed: boolean; reasons: ModerationReason[] }> {
  const local = moderator.moderateOutgoing(text);
  if (!endpoint || local.text === moderator.options.replacement) return local;
  const verdict = await endpoint.check(local.text, signal);
  if (verdict.ok) return local;
  return { text: moderator.options.replacement, changed: true, reasons: [...local.reasons, verdict.reason] };
}
