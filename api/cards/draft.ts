import { z } from 'zod';
import { CharacterVoice } from '../../protocol/index.ts';
import {
  DEFAULT_TALKATIVENESS,
  deriveBackground,
  isJsonObject,
  isNonEmptyString,
  sillyTavernTalkativeness,
  type CardObject,
  type JsonObject,
} from './card.ts';
import { CardError } from './errors.ts';
import type { CharacterDraft, KnowledgeEntry } from './types.ts';

// Reads the fields Troupe owns out of a recognised card. Types are checked only where we read:
// a field we carry but never read can hold anything and still survives a round trip.

/** Missing and null both read as empty: many writers emit `null` for fields they leave blank. */
const Text = z
  .string()
  .nullish()
  .transform((v) => v ?? '');
const TextList = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);
const AnyObject = z.custom<JsonObject>(isJsonObject, 'expected an object');

const V1Fields = z.object({
  name: z.string(),
  description: Text,
  personality: Text,
  scenario: Text,
  first_mes: Text,
  mes_example: Text,
});

const BookEntry = z.object({
  keys: TextList,
  content: Text,
  enabled: z.boolean().nullish(),
});

const V2Fields = V1Fields.extend({
  creator_notes: Text,
  system_prompt: Text,
  creator: Text,
  alternate_greetings: TextList,
  tags: TextList,
  character_book: z.object({ entries: z.array(AnyObject.pipe(BookEntry)).nullish() }).nullish(),
  extensions: AnyObject.nullish(),
});

/**
 * Troupe's own fields under `data.extensions.troupe`. Each is read on its own, so one bad field
 * costs only itself (and a warning), never the card.
 */
const TroupeFields = {
  background: z.string().min(1),
  traits: z.array(z.string()),
  interests: z.array(z.string()),
  tone: z.string(),
  speakingStyle: z.string(),
  talkativeness: z.number().min(0).max(1),
} as const;

/** Keys of `extensions.troupe` that Troupe reads and export rewrites. */
export const TROUPE_KEYS = [...Object.keys(TroupeFields), 'voice'] as const;

export interface ReadCard {
  draft: CharacterDraft;
  knowledge: KnowledgeEntry[];
  warnings: string[];
}

export function readCard(card: CardObject): ReadCard {
  const prefix = card.spec === 'v1' ? '' : 'data.';
  const parsed = (card.spec === 'v1' ? V1Fields : V2Fields).safeParse(card.data);
  if (!parsed.success) throw fieldError(prefix, parsed.error);
  const f: Partial<z.output<typeof V2Fields>> & z.output<typeof V1Fields> = parsed.data;
  if (f.name.trim() === '') throw new CardError('invalid_card', `card field ${prefix}name is empty`);

  const warnings: string[] = [];
  const extensions = f.extensions ?? undefined;
  const troupe = readTroupe(extensions?.troupe, warnings);
  const alternates = f.alternate_greetings ?? [];
  const draft: CharacterDraft = {
    name: f.name,
    description: f.description,
    personality: f.personality,
    scenario: f.scenario,
    persona: {
      background: troupe.background ?? deriveBackground(f.description, f.personality, f.scenario),
      traits: troupe.traits ?? [],
      interests: troupe.interests ?? [],
      tone: troupe.tone ?? '',
      speakingStyle: troupe.speakingStyle ?? '',
    },
    systemPrompt: f.system_prompt ?? '',
    // An empty first_mes keeps its place when alternates follow, so that export puts each
    // greeting back where it was.
    greetings: f.first_mes === '' && alternates.length === 0 ? [] : [f.first_mes, ...alternates],
    exampleDialogue: f.mes_example,
    creatorNotes: f.creator_notes ?? '',
    tags: f.tags ?? [],
    creator: f.creator ?? '',
    talkativeness: troupe.talkativeness ?? sillyTavernTalkativeness(extensions) ?? DEFAULT_TALKATIVENESS,
  };
  if (troupe.voice) draft.voice = troupe.voice;

  const entries = f.character_book?.entries ?? [];
  const rawEntries = isJsonObject(card.data.character_book) ? card.data.character_book.entries : undefined;
  const knowledge = entries.map((entry, i) =>
    toKnowledge(entry, Array.isArray(rawEntries) && isJsonObject(rawEntries[i]) ? rawEntries[i] : {}, i),
  );
  return { draft, knowledge, warnings };
}

function toKnowledge(entry: z.output<typeof BookEntry>, raw: JsonObject, index: number): KnowledgeEntry {
  const out: KnowledgeEntry = { keys: entry.keys, content: entry.content, enabled: entry.enabled ?? true };
  const title = isNonEmptyString(raw.name)
    ? raw.name
    : isNonEmptyString(raw.comment)
      ? raw.comment
      : undefined;
  if (title !== undefined) out.name = title;
  if (typeof raw.priority === 'number' && Number.isFinite(raw.priority)) out.priority = raw.priority;
  out.sourceIndex = index;
  return out;
}

type Troupe = Partial<{
  background: string;
  traits: string[];
  interests: string[];
  tone: string;
  speakingStyle: string;
  talkativeness: number;
  voice: Partial<CharacterVoice>;
}>;

function readTroupe(value: unknown, warnings: string[]): Troupe {
  const at = 'data.extensions.troupe';
  if (value === undefined) return {};
  if (!isJsonObject(value)) {
    warnings.push(`ignored ${at}: expected an object`);
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(TroupeFields)) {
    if (value[key] === undefined) continue;
    const r = schema.safeParse(value[key]);
    if (r.success) out[key] = r.data;
    else warnings.push(`ignored ${at}.${key}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  }
  const voice = readVoice(value.voice, `${at}.voice`, warnings);
  if (voice) out.voice = voice;
  return out as Troupe;
}

/** Providers this build knows are checked against protocol's schema; unknown ones are left to `raw`. */
function readVoice(value: unknown, at: string, warnings: string[]): Partial<CharacterVoice> | undefined {
  if (value === undefined) return undefined;
  if (!isJsonObject(value)) {
    warnings.push(`ignored ${at}: expected an object`);
    return undefined;
  }
  const voice: Record<string, unknown> = {};
  for (const [provider, schema] of Object.entries(CharacterVoice.shape)) {
    if (value[provider] === undefined) continue;
    const r = schema.safeParse(value[provider]);
    if (r.success) voice[provider] = r.data;
    else warnings.push(`ignored ${at}.${provider}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  }
  return Object.keys(voice).length > 0 ? (voice as Partial<CharacterVoice>) : undefined;
}

function fieldError(prefix: string, error: z.ZodError): CardError {
  const issue = error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const field = `${prefix}${path.replace(/^\./, '')}`.replace(/\.$/, '') || 'card';
  return new CardError(
    'invalid_card',
    `card field ${field} is invalid: ${issue?.message ?? 'unknown problem'}`,
  );
}
