import { z } from 'zod';

/** Postgres text and jsonb cannot hold NUL: a string with one could never be stored, nor match. */
export const noNul = (s: string): boolean => !s.includes('\0');

/** A string that Postgres can store: any text but NUL. Every stored character field is one. */
const text = z.string().refine(noNul, 'must not contain NUL');

/** espeak-ng voice settings used by the offline TTS. */
export const EspeakVoice = z.object({
  /** espeak-ng voice name, e.g. `en-us`, `en-gb-scotland`. */
  voice: text.min(1).max(64),
  /** espeak-ng variant, e.g. `f3`, `m1`, `klatt2`; appended as `voice+variant`. */
  variant: text.max(32).optional(),
  /** Words per minute, 80–450. */
  rate: z.number().int().min(80).max(450),
  /** Pitch 0–99. */
  pitch: z.number().int().min(0).max(99),
});
export type EspeakVoice = z.infer<typeof EspeakVoice>;

/** A character's voice for every provider it may be spoken by. */
export const CharacterVoice = z.object({
  openai: z.object({
    voice: text.min(1).max(64),
    /** Speaking speed, 0.25–4 (1 is the voice's own). */
    speed: z.number().min(0.25).max(4).optional(),
  }),
  elevenlabs: z.object({
    voiceId: text.min(1).max(64),
    /** ElevenLabs voice settings, 0–1: steadier (high) or more expressive (low). */
    stability: z.number().min(0).max(1).optional(),
    /** How closely to keep to the original voice, 0–1. */
    similarity: z.number().min(0).max(1).optional(),
    /** Speaking speed, 0.7–1.2 (ElevenLabs' range; 1 is the voice's own). */
    speed: z.number().min(0.7).max(1.2).optional(),
  }),
  espeak: EspeakVoice,
});
export type CharacterVoice = z.infer<typeof CharacterVoice>;

export const Persona = z.object({
  /** One or two sentences on who the character is. */
  background: text.min(1).max(4000),
  traits: z.array(text.min(1).max(64)).min(1).max(20),
  interests: z.array(text.min(1).max(64)).min(1).max(20),
  /** e.g. "warm and teasing". */
  tone: text.min(1).max(200),
  /** How the character talks: sentence length, habits, verbal tics. */
  speakingStyle: text.min(1).max(1000),
});
export type Persona = z.infer<typeof Persona>;

/** Private characters are seen by their owner only; public ones (and built-ins) by everyone. */
export const CharacterVisibility = z.enum(['private', 'public']);
export type CharacterVisibility = z.infer<typeof CharacterVisibility>;

/** Character ids are URL-safe slugs. */
export const CharacterId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a lowercase slug');

/** Catalog tags: lower-cased, at most 20. */
export const CharacterTags = z.array(text.trim().toLowerCase().min(1).max(64)).max(20);

/** How readily a character speaks up in a group, 0 (never) to 1 (always). */
export const Talkativeness = z.number().min(0).max(1);

/**
 * The character-builder fields (also what a character card carries). Optional on `Character` so
 * that older clients, seeds and the agent keep working; the API always answers with all of them.
 */
const builderFields = {
  /** The long-form definition, as character cards keep it. */
  description: text.max(20_000).optional(),
  /** Greetings the character may open with instead of `greeting`. */
  alternateGreetings: z.array(text.min(1).max(4000)).max(50).optional(),
  /** Sample exchanges that show how the character talks (`mes_example` in cards). */
  exampleDialogue: text.max(20_000).optional(),
  talkativeness: Talkativeness.optional(),
  tags: CharacterTags.optional(),
};

/** What a character gets for each builder field the request leaves out. */
export const builderDefaults = {
  description: '',
  alternateGreetings: [] as string[],
  exampleDialogue: '',
  talkativeness: 0.5,
  tags: [] as string[],
};

export const Character = z.object({
  id: CharacterId,
  name: text.min(1).max(80),
  /** One line for the catalog. */
  tagline: text.min(1).max(200),
  persona: Persona,
  greeting: text.min(1).max(1000),
  /** URL path of the avatar served by the API, e.g. `/avatars/ada.svg`. */
  avatarUrl: text.min(1).max(300),
  voice: CharacterVoice,
  builtIn: z.boolean(),
  /** The account that made it; null for built-ins. Always present in the API's answers. */
  ownerId: z.uuid().nullable().optional(),
  /** Always present in the API's answers; built-ins are public. */
  visibility: CharacterVisibility.optional(),
  ...builderFields,
});
export type Character = z.infer<typeof Character>;

/** `POST /api/characters`: a character of the caller's own, private unless said otherwise. */
export const CreateCharacterRequest = Character.omit({ id: true, builtIn: true, ownerId: true })
  .extend({
    visibility: CharacterVisibility.default('private'),
    description: builderFields.description.default(builderDefaults.description),
    alternateGreetings: builderFields.alternateGreetings.default(builderDefaults.alternateGreetings),
    exampleDialogue: builderFields.exampleDialogue.default(builderDefaults.exampleDialogue),
    talkativeness: builderFields.talkativeness.default(builderDefaults.talkativeness),
    tags: builderFields.tags.default(builderDefaults.tags),
  })
  .strict();
/** What a client sends: the builder fields and visibility may be left out. */
export type CreateCharacterRequest = z.input<typeof CreateCharacterRequest>;

/** `PATCH /api/characters/:id`: any of the fields a character's owner may change. */
export const UpdateCharacterRequest = Character.omit({ id: true, builtIn: true, ownerId: true })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'give at least one field to change' });
export type UpdateCharacterRequest = z.infer<typeof UpdateCharacterRequest>;

export const CharacterList = z.object({ characters: z.array(Character) });
export type CharacterList = z.infer<typeof CharacterList>;

/** `POST /api/characters/import`: the character made from the card, and what of the card was skipped. */
export const ImportCharacterResponse = z.object({
  character: Character,
  /** Parts of the card that were skipped or shortened, each naming the field and why. */
  warnings: z.array(z.string()),
});
export type ImportCharacterResponse = z.infer<typeof ImportCharacterResponse>;

/** `GET /api/characters/:id/export?format=…`. */
export const CardExportFormat = z.enum(['v2-json', 'v2-png', 'v3-json']);
export type CardExportFormat = z.infer<typeof CardExportFormat>;
export const ExportCharacterQuery = z.object({ format: CardExportFormat.default('v2-json') });

/** A tag as a catalog filter: matched against the lower-cased tags characters carry. */
const TagFilter = text.trim().toLowerCase().min(1).max(64);

/**
 * Which characters `GET /api/characters` lists: `all` (what the caller may see), `mine` (the
 * caller's own; needs sign-in), `builtin`, or `public` (shared by accounts; built-ins excluded).
 */
export const CharacterScope = z.enum(['all', 'mine', 'builtin', 'public']);
export type CharacterScope = z.infer<typeof CharacterScope>;

/** Catalog order; left out: built-ins first, then by name. `popular`: most sessions first. */
export const CharacterSort = z.enum(['name', 'newest', 'popular']);
export type CharacterSort = z.infer<typeof CharacterSort>;

/** Largest catalog page. */
export const MAX_PAGE_LIMIT = 100;

/** A page size from a query string: 1–100. */
export const PageLimit = z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT);

/** Words to search for, from a query string: 1–200 characters once trimmed. */
export const SearchWords = text.trim().min(1).max(200);

/** An opaque keyset cursor from a previous page's `nextCursor`. */
export const PageCursor = z.string().min(1).max(1024);

/** Query of `GET /api/characters`; any other parameter is a 400 naming it. */
export const CharacterListQuery = z.strictObject({
  q: SearchWords.optional().describe('Words searched in name, tagline, description and tags'),
  tag: z
    .union([TagFilter, z.array(TagFilter).max(20)])
    .optional()
    .describe('A tag the characters must carry; repeat for several (all must match)'),
  scope: CharacterScope.default('all').describe('Which characters to list'),
  sort: CharacterSort.optional().describe('Order; left out: built-ins first, then by name'),
  limit: PageLimit.default(24).describe('Page size, 1–100'),
  cursor: PageCursor.optional().describe("The previous page's nextCursor"),
});
export type CharacterListQuery = z.infer<typeof CharacterListQuery>;

/** Answer of `GET /api/characters`: one page, the cursor of the next (null on the last) and how many match. */
export const CharacterPage = CharacterList.extend({
  nextCursor: z.string().nullable(),
  total: z.number().int().nonnegative(),
});
export type CharacterPage = z.infer<typeof CharacterPage>;

/** `POST /api/characters/:id/clone`: the copy's name, the original's when left out. */
export const CloneCharacterRequest = z.strictObject({ name: text.trim().min(1).max(80).optional() });
export type CloneCharacterRequest = z.infer<typeof CloneCharacterRequest>;
