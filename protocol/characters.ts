import { z } from 'zod';

/** espeak-ng voice settings used by the offline TTS. */
export const EspeakVoice = z.object({
  /** espeak-ng voice name, e.g. `en-us`, `en-gb-scotland`. */
  voice: z.string().min(1).max(64),
  /** espeak-ng variant, e.g. `f3`, `m1`, `klatt2`; appended as `voice+variant`. */
  variant: z.string().max(32).optional(),
  /** Words per minute, 80–450. */
  rate: z.number().int().min(80).max(450),
  /** Pitch 0–99. */
  pitch: z.number().int().min(0).max(99),
});
export type EspeakVoice = z.infer<typeof EspeakVoice>;

/** A character's voice for every provider it may be spoken by. */
export const CharacterVoice = z.object({
  openai: z.object({ voice: z.string().min(1).max(64) }),
  elevenlabs: z.object({ voiceId: z.string().min(1).max(64) }),
  espeak: EspeakVoice,
});
export type CharacterVoice = z.infer<typeof CharacterVoice>;

export const Persona = z.object({
  /** One or two sentences on who the character is. */
  background: z.string().min(1).max(4000),
  traits: z.array(z.string().min(1).max(64)).min(1).max(20),
  interests: z.array(z.string().min(1).max(64)).min(1).max(20),
  /** e.g. "warm and teasing". */
  tone: z.string().min(1).max(200),
  /** How the character talks: sentence length, habits, verbal tics. */
  speakingStyle: z.string().min(1).max(1000),
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
export const CharacterTags = z.array(z.string().trim().toLowerCase().min(1).max(64)).max(20);

/** How readily a character speaks up in a group, 0 (never) to 1 (always). */
export const Talkativeness = z.number().min(0).max(1);

/**
 * The character-builder fields (also what a character card carries). Optional on `Character` so
 * that older clients, seeds and the agent keep working; the API always answers with all of them.
 */
const builderFields = {
  /** The long-form definition, as character cards keep it. */
  description: z.string().max(20_000).optional(),
  /** Greetings the character may open with instead of `greeting`. */
  alternateGreetings: z.array(z.string().min(1).max(4000)).max(50).optional(),
  /** Sample exchanges that show how the character talks (`mes_example` in cards). */
  exampleDialogue: z.string().max(20_000).optional(),
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
  name: z.string().min(1).max(80),
  /** One line for the catalog. */
  tagline: z.string().min(1).max(200),
  persona: Persona,
  greeting: z.string().min(1).max(1000),
  /** URL path of the avatar served by the API, e.g. `/avatars/ada.svg`. */
  avatarUrl: z.string().min(1).max(300),
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
