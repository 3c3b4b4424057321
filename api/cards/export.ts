import {
  DEFAULT_TALKATIVENESS,
  OWNED_DATA_FIELDS,
  V1_FIELDS,
  deriveBackground,
  entryTitleField,
  identifyCard,
  isJsonObject,
  omit,
  sillyTavernTalkativeness,
  type CardObject,
  type JsonObject,
} from './card.ts';
import { encodeBase64, encodeUtf8 } from './bytes.ts';
import { TROUPE_KEYS } from './draft.ts';
import { CardError, guard } from './errors.ts';
import { DEFAULT_MAX_PNG_CHUNK_BYTES, blankPng, withCardTexts } from './png.ts';
import { ExportableCharacter, type KnowledgeEntry } from './types.ts';

export type ExportFormat = 'v2-json' | 'v2-png' | 'v3-json';

export interface ExportCardOptions {
  format: ExportFormat;
  /**
   * The image for `v2-png`; its existing `chara` and `ccv3` chunks are replaced.
   * @defaultValue a 1×1 transparent PNG
   */
  avatarPng?: Uint8Array;
  /**
   * The card this character was imported from (`ImportedCard.raw`). Every field of it that the
   * draft does not own is written back unchanged.
   * @defaultValue none: only the fields the specs require are written
   */
  raw?: unknown;
  /**
   * Largest chunk the avatar may hold and the card chunk may become; the import limit, so anything
   * exported here can be imported again.
   * @defaultValue 8 MiB
   */
  maxPngChunkBytes?: number;
}

export interface ExportedCard {
  bytes: Uint8Array;
  contentType: 'application/json' | 'image/png';
  filename: string;
}

/** Writes a character as a V2 or V3 card; throws only CardError. */
export function exportCard(character: ExportableCharacter, opts: ExportCardOptions): ExportedCard {
  // Unexpected failures (JSON.stringify's RangeError on a raw card nested too deep to write) are
  // still the input's fault, so they leave as CardError too.
  return guard('invalid_character', 'the card could not be written', () => write(character, opts));
}

function write(character: ExportableCharacter, opts: ExportCardOptions): ExportedCard {
  const parsed = ExportableCharacter.safeParse(character);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CardError(
      'invalid_character',
      `character field ${issue?.path.join('.') || '(root)'} is invalid: ${issue?.message ?? 'unknown problem'}`,
    );
  }
  const raw = opts.raw === undefined ? undefined : identifyCard(opts.raw, 'raw card');
  const name = fileStem(parsed.data.name);
  switch (opts.format) {
    case 'v2-json':
      return json(buildCard(parsed.data, 'v2', raw), `${name}.json`);
    case 'v3-json':
      return json(buildCard(parsed.data, 'v3', raw), `${name}.v3.json`);
    case 'v2-png':
      return png(parsed.data, raw, opts, `${name}.png`);
    default:
      throw new CardError('invalid_character', 'format must be v2-json, v2-png or v3-json');
  }
}

function json(card: JsonObject, filename: string): ExportedCard {
  return {
    bytes: encodeUtf8(`${JSON.stringify(card, null, 2)}\n`),
    contentType: 'application/json',
    filename,
  };
}

/** The V2 card under `chara` for every reader, and the same card as V3 under `ccv3` for V3 readers. */
function png(
  character: ExportableCharacter,
  raw: CardObject | undefined,
  opts: ExportCardOptions,
  filename: string,
): ExportedCard {
  const max = opts.maxPngChunkBytes ?? DEFAULT_MAX_PNG_CHUNK_BYTES;
  const toText = (card: JsonObject): string => encodeBase64(encodeUtf8(JSON.stringify(card)));
  const texts = [
    { keyword: 'chara' as const, text: toText(buildCard(character, 'v2', raw)) },
    { keyword: 'ccv3' as const, text: toText(buildCard(character, 'v3', raw)) },
  ];
  let image: Uint8Array;
  try {
    image = withCardTexts(opts.avatarPng ?? blankPng(), texts, max);
  } catch (err) {
    if (err instanceof CardError && err.code !== 'too_large')
      throw new CardError(err.code, `avatarPng: ${err.message}`, { cause: err });
    throw err;
  }
  return { bytes: image, contentType: 'image/png', filename };
}

/** Where the specs list each field; keys new to a card are written in this order. */
const SPEC_ORDER = [
  ...V1_FIELDS,
  'creator_notes',
  'system_prompt',
  'post_history_instructions',
  'alternate_greetings',
  'character_book',
  'tags',
  'creator',
  'character_version',
  'extensions',
  'group_only_greetings',
] as const;

/**
 * The card object. Keys already in `raw` keep their place, so an unedited card comes back with
 * its fields in their original order; required fields that `raw` lacks are added empty.
 */
export function buildCard(
  character: ExportableCharacter,
  spec: 'v2' | 'v3',
  raw: CardObject | undefined,
): JsonObject {
  const rawData = raw && raw.spec !== 'v1' ? raw.data : {};
  const [first = '', ...alternates] = character.greetings;
  const data: JsonObject = {
    post_history_instructions: '',
    character_version: '',
    ...(spec === 'v3' ? { group_only_greetings: [] } : {}),
    ...omit(rawData, [...OWNED_DATA_FIELDS, 'character_book', 'extensions']),
    name: character.name,
    description: character.description,
    personality: character.personality,
    scenario: character.scenario,
    first_mes: first,
    mes_example: character.exampleDialogue,
    creator_notes: character.creatorNotes,
    system_prompt: character.systemPrompt,
    alternate_greetings: alternates,
    tags: character.tags,
    creator: character.creator,
    extensions: buildExtensions(character, rawData.extensions),
  };
  const book = buildBook(character.knowledge, rawData.character_book, spec);
  if (book !== undefined) data.character_book = book;

  const top: JsonObject = raw ? omit(raw.top, ['spec', 'spec_version', 'data']) : {};
  // SillyTavern repeats the V1 fields at the top level for old readers; keep them there, and current.
  if (raw) for (const f of V1_FIELDS) if (Object.hasOwn(raw.top, f)) top[f] = data[f];
  top.spec = spec === 'v2' ? 'chara_card_v2' : 'chara_card_v3';
  top.spec_version = spec === 'v2' ? '2.0' : '3.0';
  top.data = orderedLike(rawData, data, SPEC_ORDER);
  return orderedLike(raw?.top ?? {}, top, ['spec', 'spec_version', 'data']);
}

/**
 * `values` with its keys in `reference`'s order, then `order`'s, then its own. Built with
 * Object.fromEntries, so a `__proto__` key from a card stays a plain field.
 */
function orderedLike(reference: JsonObject, values: JsonObject, order: readonly string[]): JsonObject {
  const seen = new Set<string>();
  const entries: [string, unknown][] = [];
  for (const key of [...Object.keys(reference), ...order, ...Object.keys(values)]) {
    if (seen.has(key) || !Object.hasOwn(values, key)) continue;
    seen.add(key);
    entries.push([key, values[key]]);
  }
  return Object.fromEntries(entries);
}

function buildExtensions(character: ExportableCharacter, rawExtensions: unknown): JsonObject {
  const extensions: JsonObject = isJsonObject(rawExtensions) ? { ...rawExtensions } : {};
  const rawTroupe = isJsonObject(extensions.troupe) ? extensions.troupe : {};
  const troupe: JsonObject = omit(rawTroupe, TROUPE_KEYS);
  const { persona } = character;
  // Only what import cannot derive from the standard fields is stored, so a card edited in another
  // tool afterwards is not overridden by a stale copy here.
  if (
    persona.background !== deriveBackground(character.description, character.personality, character.scenario)
  )
    troupe.background = persona.background;
  if (persona.traits.length > 0) troupe.traits = persona.traits;
  if (persona.interests.length > 0) troupe.interests = persona.interests;
  if (persona.tone !== '') troupe.tone = persona.tone;
  if (persona.speakingStyle !== '') troupe.speakingStyle = persona.speakingStyle;
  const derivedTalkativeness = sillyTavernTalkativeness(extensions) ?? DEFAULT_TALKATIVENESS;
  if (character.talkativeness !== derivedTalkativeness) troupe.talkativeness = character.talkativeness;
  // Providers this build does not know (written by a newer Troupe) are kept beside the known ones.
  const rawVoice = isJsonObject(rawTroupe.voice) ? rawTroupe.voice : {};
  const voice: JsonObject = { ...omit(rawVoice, ['openai', 'elevenlabs', 'espeak']), ...character.voice };
  if (Object.keys(voice).length > 0) troupe.voice = voice;

  delete extensions.troupe;
  if (Object.keys(troupe).length > 0) extensions.troupe = troupe;
  return extensions;
}

function buildBook(
  knowledge: KnowledgeEntry[] | undefined,
  rawBook: unknown,
  spec: 'v2' | 'v3',
): JsonObject | undefined {
  if (knowledge === undefined) return isJsonObject(rawBook) ? rawBook : undefined;
  if (knowledge.length === 0 && !isJsonObject(rawBook)) return undefined;
  const book: JsonObject = isJsonObject(rawBook) ? { ...rawBook } : { extensions: {} };
  const rawEntries = Array.isArray(book.entries) ? (book.entries as unknown[]) : [];
  book.entries = knowledge.map((k, i) => {
    const source = k.sourceIndex === undefined ? undefined : rawEntries[k.sourceIndex];
    return isJsonObject(source) ? updatedEntry(k, source) : newEntry(k, i, spec);
  });
  return book;
}

function updatedEntry(k: KnowledgeEntry, source: JsonObject): JsonObject {
  const entry: JsonObject = { ...source, keys: k.keys, content: k.content, enabled: k.enabled };
  const title = entryTitleField(source);
  if (k.name !== undefined || Object.hasOwn(source, title)) entry[title] = k.name ?? '';
  if (k.priority !== undefined) entry.priority = k.priority;
  else if (typeof source.priority === 'number') delete entry.priority;
  return entry;
}

/** The fields the specs require of an entry; `comment` too, because SillyTavern shows it as the title. */
function newEntry(k: KnowledgeEntry, index: number, spec: 'v2' | 'v3'): JsonObject {
  const entry: JsonObject = {
    keys: k.keys,
    content: k.content,
    extensions: {},
    enabled: k.enabled,
    insertion_order: index,
  };
  if (spec === 'v3') entry.use_regex = false;
  if (k.name !== undefined) {
    entry.name = k.name;
    entry.comment = k.name;
  }
  if (k.priority !== undefined) entry.priority = k.priority;
  return entry;
}

/** A file name from the character's name: letters and digits of any script, dashes between. */
function fileStem(name: string): string {
  const stem = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
  return stem || 'character';
}
