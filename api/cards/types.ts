import { z } from 'zod';
import { CharacterVoice } from '../../protocol/index.ts';

// The card module's own neutral shapes. They are looser than protocol's Character on purpose: a
// card may lack traits or a voice, and the API decides how to fill the gaps when it stores one.

/** One lorebook (`character_book`) entry. */
export const KnowledgeEntry = z.object({
  /** Words that bring the entry into the prompt. */
  keys: z.array(z.string()),
  content: z.string(),
  enabled: z.boolean(),
  /** The entry's title: the card's `name`, or its `comment` where SillyTavern keeps it. */
  name: z.string().optional(),
  /** Lower priorities are dropped first when the prompt's budget runs out. */
  priority: z.number().finite().optional(),
  /**
   * Position of the entry in the imported card's `character_book.entries`. Store it with the entry:
   * `exportCard` uses it to carry that entry's fields we do not own (other tools' settings) back
   * out. Absent on entries created in Troupe.
   */
  sourceIndex: z.number().int().nonnegative().optional(),
});
export type KnowledgeEntry = z.infer<typeof KnowledgeEntry>;

export const DraftPersona = z.object({
  /**
   * Who the character is, for the prompt: Troupe's own when the card stores one, otherwise
   * derived from description, personality and scenario.
   */
  background: z.string(),
  traits: z.array(z.string()),
  interests: z.array(z.string()),
  tone: z.string(),
  speakingStyle: z.string(),
});
export type DraftPersona = z.infer<typeof DraftPersona>;

/** A character as a card describes it, before the API maps it onto its own Character. */
export const CharacterDraft = z.object({
  name: z.string().min(1),
  /** The card's `description`, verbatim: the main character definition in card tools. */
  description: z.string(),
  /** The card's `personality`, verbatim. */
  personality: z.string(),
  /** The card's `scenario`, verbatim. */
  scenario: z.string(),
  persona: DraftPersona,
  /** The card's `system_prompt`. */
  systemPrompt: z.string(),
  /** `first_mes` first, then `alternate_greetings`; empty when the card has none. */
  greetings: z.array(z.string()),
  /** The card's `mes_example`. */
  exampleDialogue: z.string(),
  /** The card's `creator_notes`: what the author tells users, never part of the prompt. */
  creatorNotes: z.string(),
  tags: z.array(z.string()),
  creator: z.string(),
  /** How readily the character speaks up in a group, 0–1. */
  talkativeness: z.number().min(0).max(1),
  voice: CharacterVoice.partial().optional(),
});
export type CharacterDraft = z.infer<typeof CharacterDraft>;

/** What `exportCard` writes: a draft and its lorebook. */
export const ExportableCharacter = CharacterDraft.extend({
  /** The lorebook. Undefined keeps the `raw` card's lorebook as it is; `[]` writes an empty one. */
  knowledge: z.array(KnowledgeEntry).optional(),
});
export type ExportableCharacter = z.infer<typeof ExportableCharacter>;

export type CardSpec = 'v1' | 'v2' | 'v3';

export interface CardAvatar {
  bytes: Uint8Array;
  /** Sniffed from the bytes: `image/png`, `image/jpeg`, `image/webp`, `image/gif` or `image/avif`. */
  contentType: string;
}

export interface ImportedCard {
  /** The spec of the card that was read; a PNG with both chunks reports its `ccv3` card. */
  spec: CardSpec;
  draft: CharacterDraft;
  knowledge: KnowledgeEntry[];
  /** A PNG card's own image (without its card chunks), or a .charx's main icon asset. */
  avatar?: CardAvatar;
  /** The card object as parsed; pass it back to `exportCard` so fields we do not own survive. */
  raw: unknown;
  /** Parts of the card that were skipped, each naming the field and why. */
  warnings: string[];
}

export interface CardInput {
  bytes: Uint8Array;
  /** Only a hint for the message when the bytes are of no supported kind; never echoed back. */
  filename?: string;
  /** Only a hint, like `filename`: the bytes decide the format. */
  contentType?: string;
}
