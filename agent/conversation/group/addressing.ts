// Who an utterance is meant for, read from its words alone (pure, no clock, no I/O).
//
// Names. A character answers to its full name, its first name (after a title such as "Dr" or
// "Captain"), its title with its first or last name, its title alone, and any alias the session
// gives it. Matching is case-insensitive on word boundaries and also finds possessives ("Ada's").
// A name two characters share is ignored: it names nobody in particular. Last names alone are not
// names here: many are common words ("Finch", "Sparks", "Ray") and would be heard in passing.
//
// Which named character answers. A name in vocative position — at the start of a sentence followed
// by a comma, a question word or the end ("Bob, what do you think?", "Bob can you…"), after a
// greeting ("hey Bob"), or after a comma at the end of a sentence ("…, Bob?") — addresses that
// character; lists of names in that position ("Ada and Bob, …") address each of them, in the order
// they were said. Without a vocative, the character named last answers alone: in speech the last
// name is the one nearest the question ("did you hear what Ada told Bob?" goes to Bob).
//
// Addressing without names (the heuristic): "everyone", "all of you", "you guys" address every
// character; "you two", "both of you" the two who spoke last; second person ("you", "your") or a
// short question right after a character spoke addresses that character.

/** What addressing needs to know of a character. */
export interface NamedCharacter {
  id: string;
  /** Display name, e.g. "Captain Barnaby Gale". */
  name: string;
  /** Further names it answers to (nicknames); from the session's `GroupSettings.aliases`. */
  aliases?: readonly string[];
}

/** One occurrence of a character's name in a text. */
export interface Mention {
  characterId: string;
  /** Offsets of the name (without any possessive ending) in the text. */
  start: number;
  end: number;
  /** The name as said. */
  said: string;
  possessive: boolean;
  /** Said to the character rather than about it. */
  vocative: boolean;
}

const TITLES = new Set(
  (
    'dr doctor mr mister mrs ms miss mx captain capt cap professor prof sir dame lady lord madam madame ' +
    'nana granny grandma grandpa gran uncle aunt auntie father mother sister brother coach officer detective chef'
  ).split(' '),
);

/** Words after which a sentence-start name is spoken to, even without a comma (speech-to-text drops them). */
const QUESTION_LEAD =
  /^(?:what|why|how|where|when|who|which|do|did|does|can|could|would|will|should|are|were|have|tell|please|you|your|any)\b/i;
const GREETING = /(?:^|[.!?]\s*|\s)(?:hey|hi|hello|oi|yo|okay|ok|so|well|dear|oh|thanks|thank you)[\s,]*$/i;

const clean = (word: string) => word.replace(/[.,;:!?"]+$/u, '').replace(/^["]+/u, '');

/** The names a character answers to, most specific first, before ambiguity between characters is removed. */
export function namesOf(character: NamedCharacter): string[] {
  const parts = character.name.split(/\s+/u).map(clean).filter(Boolean);
  const names = new Set<string>([parts.join(' ')]);
  const titled = parts[0] !== undefined && TITLES.has(parts[0].toLowerCase()) && parts.length > 1;
  const given = titled ? parts.slice(1) : parts;
  if (titled && parts[0]) {
    names.add(given.join(' '));
    names.add(`${parts[0]} ${given.at(-1)}`);
    names.add(`${parts[0]} ${given[0]}`);
    names.add(parts[0]);
  }
  if (given[0]) names.add(given[0]);
  for (const alias of character.aliases ?? []) if (alias.trim()) names.add(alias.trim());
  return [...names].filter((n) => n.length >= 2);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&');

/** Every name → its character, without names shared by two characters. */
function nameTable(characters: readonly NamedCharacter[]): Map<string, string> {
  const owners = new Map<string, Set<string>>();
  for (const c of characters) {
    for (const name of namesOf(c)) {
      const key = name.toLowerCase();
      owners.set(key, (owners.get(key) ?? new Set()).add(c.id));
    }
  }
  const table = new Map<string, string>();
  for (const [name, ids] of owners) if (ids.size === 1) table.set(name, [...ids][0] as string);
  return table;
}

function namePattern(name: string): string {
  // "Dr Pryce" also matches "Dr. Pryce"; any whitespace between words.
  return name
    .split(/\s+/u)
    .map((w) => escape(w) + (TITLES.has(w.toLowerCase()) ? '\\.?' : ''))
    .join('\\s+');
}

/** Compiled name patterns per cast (the floor passes the same array on every call). */
const patternCache = new WeakMap<readonly NamedCharacter[], Array<[RegExp, string]>>();

function patternsOf(characters: readonly NamedCharacter[]): Array<[RegExp, string]> {
  let patterns = patternCache.get(characters);
  if (!patterns) {
    patterns = [...nameTable(characters)].map(([name, characterId]) => [
      new RegExp(`(?<![\\p{L}\\p{N}])(${namePattern(name)})(['’]s)?(?![\\p{L}\\p{N}])`, 'giu'),
      characterId,
    ]);
    patternCache.set(characters, patterns);
  }
  return patterns;
}

/** Every mention of a present character in `text`, in order; overlapping names keep the longest. */
export function findMentions(text: string, characters: readonly NamedCharacter[]): Mention[] {
  const found: Array<Omit<Mention, 'vocative'>> = [];
  for (const [re, characterId] of patternsOf(characters)) {
    for (const m of text.matchAll(re)) {
      const said = m[1] ?? '';
      found.push({
        characterId,
        start: m.index,
        end: m.index + said.length,
        said,
        possessive: Boolean(m[2]),
      });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Array<Omit<Mention, 'vocative'>> = [];
  for (const m of found) {
    const last = kept.at(-1);
    if (last && m.start < last.end) continue;
    kept.push(m);
  }
  return markVocatives(text, kept);
}

/** Joins names said as a list ("Ada, Bob and Cy") so a list in vocative position addresses all. */
function markVocatives(text: string, mentions: Array<Omit<Mention, 'vocative'>>): Mention[] {
  const out: Mention[] = [];
  let i = 0;
  while (i < mentions.length) {
    let j = i;
    while (j + 1 < mentions.length) {
      const a = mentions[j] as Mention;
      const b = mentions[j + 1] as Mention;
      if (a.possessive || !/^\s*(?:,|,?\s*(?:and|&|or))\s*$/iu.test(text.slice(a.end, b.start))) break;
      j += 1;
    }
    const first = mentions[i] as Mention;
    const last = mentions[j] as Mention;
    const vocative = !last.possessive && isVocative(text.slice(0, first.start), text.slice(last.end));
    for (let k = i; k <= j; k += 1) out.push({ ...(mentions[k] as Mention), vocative });
    i = j + 1;
  }
  return out;
}

function isVocative(before: string, after: string): boolean {
  const atSentenceStart = /(?:^|[.!?]\s*)["]?\s*$/u.test(before);
  const afterGreeting = GREETING.test(before);
  const afterComma = /,\s*$/u.test(before);
  const endsSentence = /^\s*(?:[.!?]|$)/u.test(after);
  if ((atSentenceStart || afterGreeting) && (/^\s*[,:!?]/u.test(after) || endsSentence)) return true;
  if (atSentenceStart && QUESTION_LEAD.test(after.trimStart())) return true;
  return afterComma && endsSentence;
}

/**
 * The characters a text names as addressees, in the order they should answer: every vocative
 * name in order of appearance, or else the character named last. Empty when nobody is named.
 */
export function namedAddressees(text: string, characters: readonly NamedCharacter[]): string[] {
  const mentions = findMentions(text, characters);
  const vocatives = [...new Set(mentions.filter((m) => m.vocative).map((m) => m.characterId))];
  if (vocatives.length > 0) return vocatives;
  const last = mentions.at(-1);
  return last ? [last.characterId] : [];
}

/** What the words say about who should answer, when no character is named. */
export type HeuristicAddressing =
  { kind: 'group'; count: 'all' | number } | { kind: 'previous'; characterId: string } | { kind: 'none' };

export interface AddressingContext {
  /** Character ids of the latest character speakers, most recent first, distinct. */
  recentCharacters: readonly string[];
  /** The character whose utterance came right before this one, if the one before was a character's. */
  previousCharacter: string | null;
}

const GROUP_ALL = /\b(?:everyone|everybody|all of you|you all|y'all|you guys|you lot|each of you|guys)\b/iu;
const GROUP_N = /\b(?:you (two|three|four)|(both) of you|the (two|three) of you)\b/iu;
const COUNTS: Record<string, number> = { two: 2, both: 2, three: 3, four: 4 };
const SECOND_PERSON = /\b(?:you|your|yours|yourself|you're|youre|you've|you'd|you'll|ya)\b/iu;

/** Addressing read from the words alone; see the module comment for the rules. */
export function addressingHeuristic(text: string, ctx: AddressingContext): HeuristicAddressing {
  const n = GROUP_N.exec(text);
  if (n) {
    const word = (n[1] ?? n[2] ?? n[3] ?? 'two').toLowerCase();
    return { kind: 'group', count: COUNTS[word] ?? 2 };
  }
  if (GROUP_ALL.test(text)) return { kind: 'group', count: 'all' };
  if (ctx.previousCharacter !== null) {
    const words = text.trim().split(/\s+/u).filter(Boolean);
    const shortQuestion = text.trim().endsWith('?') && words.length <= 6;
    if (SECOND_PERSON.test(text) || shortQuestion)
      return { kind: 'previous', characterId: ctx.previousCharacter };
  }
  return { kind: 'none' };
}

/** What the LLM hook is asked: who, among `characters`, should answer `utterance`. */
export interface AddresseeRequest {
  utterance: { speaker: string; name: string; text: string };
  /** The conversation just before, oldest first. */
  recent: ReadonlyArray<{ speaker: string; name: string; role: 'human' | 'character'; text: string }>;
  characters: ReadonlyArray<{ id: string; name: string }>;
}

/**
 * An LLM's choice of addressees: character ids in the order they should answer; `[]` when the
 * utterance is for nobody in particular. Ids not present are ignored.
 */
export type ChooseAddressee = (request: AddresseeRequest, signal: AbortSignal) => Promise<string[]>;
