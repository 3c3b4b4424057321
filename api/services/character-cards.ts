// Maps between character cards (api/cards) and our Character. The mapping is deterministic, so
// export can tell an unedited field from an edited one: a field whose value is still what import
// made of the stored card is written back exactly as the card had it (a round trip loses nothing),
// and an edited one is written from the character.
import { isDeepStrictEqual } from 'node:util';
import {
  AvatarContentType,
  builderDefaults,
  CreateCharacterRequest,
  type Character,
  type CharacterVoice,
  type Persona,
} from '../../protocol/index.ts';
import {
  importCard,
  type CardAvatar,
  type CharacterDraft,
  type ExportableCharacter,
  type ImportedCard,
  type KnowledgeEntry,
} from '../cards/index.ts';
import { cardContentHash } from '../cards/library-hash.ts';
import { parseOrThrow } from '../errors.ts';
import { AvatarRejectedError, type AvatarService } from './avatars.ts';
import type { CharacterForExport, CharacterRepository } from './characters.ts';

/** The avatar an imported character gets; the card's own image is not stored yet. */
export const IMPORTED_AVATAR_URL = '/avatars/imported.svg';

/** The voice for a card that names none: offline espeak, and stock voices for the cloud providers. */
export const defaultImportedVoice: CharacterVoice = {
  openai: { voice: 'alloy' },
  elevenlabs: { voiceId: '21m00Tcm4TlvDq8ikWAM' }, // Rachel, a premade voice
  espeak: { voice: 'en-us', rate: 170, pitch: 50 },
};

const INT32_MAX = 2 ** 31 - 1;

export interface CardCharacter {
  input: CreateCharacterRequest;
  knowledge: KnowledgeEntry[];
  /** What was shortened or dropped to fit our limits. */
  warnings: string[];
}

/** A new private character from an imported card. Never throws: every gap gets a default. */
export function characterFromCard(card: Pick<ImportedCard, 'draft' | 'knowledge'>): CardCharacter {
  const warnings: string[] = [];
  const input = inputFromDraft(card.draft, warnings);
  const knowledge = card.knowledge.map((k, i) => storableEntry(k, i, warnings));
  return { input, knowledge, warnings };
}

/** Where imported cards are stored: the characters, and the avatars their images become. */
export interface CardStore {
  characters: CharacterRepository;
  /** @defaultValue none: card images are ignored */
  avatars?: AvatarService;
  /** Largest card image kept as the avatar (`AVATAR_UPLOAD_LIMIT`). */
  avatarLimitBytes: number;
}

/**
 * Stores a read card as a new private character of `ownerId`, with its lorebook, the card itself
 * and its content hash, and its image as the avatar when it can be one. The single-card and the
 * library import both come through here. Throws ValidationError if the mapping ever made a
 * character the schema refuses (a 400, never a bad row).
 */
export async function storeImportedCard(
  store: CardStore,
  ownerId: string,
  imported: ImportedCard,
  cardHash: string = cardContentHash(imported.raw),
): Promise<{ character: Character; warnings: string[] }> {
  const { input, knowledge, warnings } = characterFromCard(imported);
  const valid = parseOrThrow(CreateCharacterRequest, input, 'character made from the card');
  let character = await store.characters.createImported(ownerId, valid, knowledge, imported.raw, cardHash);
  if (store.avatars && imported.avatar) {
    const kept = await keepCardImage(store, character.id, imported.avatar, warnings);
    if (kept) character = { ...character, avatarUrl: kept };
  }
  return { character, warnings: [...imported.warnings, ...warnings] };
}

/** Stores a card's image as the character's avatar; a warning instead when it cannot be one. */
async function keepCardImage(
  { avatars, avatarLimitBytes }: CardStore,
  characterId: string,
  image: CardAvatar,
  warnings: string[],
): Promise<string | undefined> {
  if (!avatars) return undefined;
  const type = AvatarContentType.safeParse(image.contentType);
  if (!type.success) {
    warnings.push(`the card's ${image.contentType} image was not kept: avatars are PNG, JPEG or WebP`);
    return undefined;
  }
  if (image.bytes.length > avatarLimitBytes) {
    warnings.push(`the card's image was not kept as the avatar: it is larger than ${avatarLimitBytes} bytes`);
    return undefined;
  }
  try {
    return (await avatars.put(characterId, image.bytes, type.data)).avatarUrl;
  } catch (err) {
    if (!(err instanceof AvatarRejectedError)) throw err;
    warnings.push(`the card's image was not kept as the avatar: ${err.message}`);
    return undefined;
  }
}

/**
 * The card export writes for a stored character: its own fields, with the fields we do not model
 * (personality, scenario, system prompt, creator) and unedited ones taken from the stored card.
 */
export function exportableCharacter({
  character,
  knowledge,
  cardRaw,
}: CharacterForExport): ExportableCharacter {
  const draft = cardRaw === undefined ? undefined : draftOf(cardRaw);
  const mapped = draft ? inputFromDraft(draft, []) : undefined;
  /** The card's value when the character still has what import made of it, else the character's. */
  const pick = <T>(ours: unknown, theirs: unknown, fromCard: T, fromCharacter: T): T =>
    mapped !== undefined && isDeepStrictEqual(ours, theirs) ? fromCard : fromCharacter;

  const description = character.description ?? builderDefaults.description;
  const alternates = character.alternateGreetings ?? builderDefaults.alternateGreetings;
  const exampleDialogue = character.exampleDialogue ?? builderDefaults.exampleDialogue;
  const tags = character.tags ?? builderDefaults.tags;
  const talkativeness = character.talkativeness ?? builderDefaults.talkativeness;
  const out: ExportableCharacter = {
    name: pick(character.name, mapped?.name, draft?.name ?? '', character.name),
    description: pick(description, mapped?.description, draft?.description ?? '', description),
    personality: draft?.personality ?? '',
    scenario: draft?.scenario ?? '',
    persona: pick(character.persona, mapped?.persona, draft?.persona ?? character.persona, character.persona),
    systemPrompt: draft?.systemPrompt ?? '',
    greetings: pick(
      [character.greeting, ...alternates],
      [mapped?.greeting, ...(mapped?.alternateGreetings ?? [])],
      draft?.greetings ?? [],
      [character.greeting, ...alternates],
    ),
    exampleDialogue: pick(
      exampleDialogue,
      mapped?.exampleDialogue,
      draft?.exampleDialogue ?? '',
      exampleDialogue,
    ),
    // Troupe's tagline is what a card calls creator notes: the line shown to users, not the prompt.
    creatorNotes: pick(character.tagline, mapped?.tagline, draft?.creatorNotes ?? '', character.tagline),
    tags: pick(tags, mapped?.tags, draft?.tags ?? [], tags),
    creator: draft?.creator ?? '',
    talkativeness: pick(talkativeness, mapped?.talkativeness, draft?.talkativeness ?? 0.5, talkativeness),
    knowledge,
  };
  const voice = pick<Partial<CharacterVoice> | undefined>(
    character.voice,
    mapped?.voice,
    draft?.voice,
    character.voice,
  );
  if (voice !== undefined) out.voice = voice;
  return out;
}

/** The draft import makes of a stored card; undefined if it no longer reads (it always should). */
function draftOf(cardRaw: unknown): CharacterDraft | undefined {
  try {
    return importCard({ bytes: new TextEncoder().encode(JSON.stringify(cardRaw)) }).draft;
  } catch {
    return undefined;
  }
}

function inputFromDraft(draft: CharacterDraft, warnings: string[]): CreateCharacterRequest {
  const name = clip(draft.name.trim(), 80, 'name', warnings) || 'Imported character';
  const [first = '', ...rest] = draft.greetings;
  const greeting = clip(first.trim(), 1000, 'first_mes', warnings) || `Hello, I'm ${name}.`;
  const alternates = rest.map((g) => g.trim()).filter((g) => g !== '');
  if (alternates.length > 50) warnings.push('kept the first 50 of the alternate_greetings');
  return {
    name,
    tagline: tagline(draft, name),
    persona: persona(draft, name, warnings),
    greeting,
    avatarUrl: IMPORTED_AVATAR_URL,
    voice: { ...defaultImportedVoice, ...draft.voice },
    visibility: 'private',
    description: clip(draft.description, 20_000, 'description', warnings),
    alternateGreetings: alternates
      .slice(0, 50)
      .map((g, i) => clip(g, 4000, `alternate_greetings[${i}]`, warnings)),
    exampleDialogue: clip(draft.exampleDialogue, 20_000, 'mes_example', warnings),
    talkativeness: draft.talkativeness,
    tags: tagsOf(draft.tags, warnings),
  };
}

function persona(draft: CharacterDraft, name: string, warnings: string[]): Persona {
  const p = draft.persona;
  const list = (items: string[], field: string): string[] => {
    const clean = [...new Set(items.map((s) => s.trim().slice(0, 64)).filter(Boolean))];
    if (clean.length > 20) warnings.push(`kept the first 20 of ${field}`);
    return clean.slice(0, 20);
  };
  const personalityWords = draft.personality
    .split(/[,;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  const traits = list(p.traits.length > 0 ? p.traits : personalityWords, 'persona traits');
  const interests = list(p.interests, 'persona interests');
  return {
    background: clip(p.background.trim(), 4000, 'persona background', warnings) || `${name}.`,
    traits: traits.length > 0 ? traits : ['friendly'],
    interests: interests.length > 0 ? interests : ['conversation'],
    tone: clip(p.tone.trim(), 200, 'persona tone', warnings) || 'friendly',
    speakingStyle:
      clip(p.speakingStyle.trim(), 1000, 'persona speakingStyle', warnings) || 'Natural and conversational.',
  };
}

/** The creator notes' first sentence, else the description's, else the name; macros spelled out. */
function tagline(draft: CharacterDraft, name: string): string {
  for (const source of [draft.creatorNotes, draft.description]) {
    const text = source.replace(/\{\{char\}\}/gi, name).replace(/\{\{user\}\}/gi, 'you');
    const sentence = firstSentence(text);
    if (sentence !== '') return sentence;
  }
  return name;
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = /[.!?](\s|$)/.exec(flat);
  const sentence = end ? flat.slice(0, end.index + 1) : flat;
  return sentence.length <= 200 ? sentence : `${sentence.slice(0, 199).trimEnd()}…`;
}

function tagsOf(tags: string[], warnings: string[]): string[] {
  const clean = [...new Set(tags.map((t) => t.trim().toLowerCase().slice(0, 64)).filter(Boolean))];
  if (clean.length > 20) warnings.push('kept the first 20 tags');
  return clean.slice(0, 20);
}

function storableEntry(k: KnowledgeEntry, i: number, warnings: string[]): KnowledgeEntry {
  if (k.priority === undefined || (Number.isInteger(k.priority) && Math.abs(k.priority) <= INT32_MAX))
    return k;
  warnings.push(`character_book.entries[${i}].priority rounded to a whole number`);
  return { ...k, priority: Math.max(-INT32_MAX, Math.min(INT32_MAX, Math.round(k.priority))) };
}

function clip(value: string, max: number, field: string, warnings: string[]): string {
  if (value.length <= max) return value;
  warnings.push(`${field} shortened to ${max} characters`);
  return value.slice(0, max);
}
