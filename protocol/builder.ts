// Contracts of the character builder's media endpoints: avatars, generation, voice preview and cloning.
import { z } from 'zod';
import { Character, CharacterVoice, CreateCharacterRequest } from './characters.ts';

/** The image types an avatar may be uploaded as (the raw body of `PUT /api/characters/:id/avatar`). */
export const AvatarContentType = z.enum(['image/png', 'image/jpeg', 'image/webp']);
export type AvatarContentType = z.infer<typeof AvatarContentType>;

/** `PUT /api/characters/:id/avatar`: what was stored. */
export const AvatarUploadResponse = z.object({
  /** The character's avatarUrl from now on: `/api/characters/<id>/avatar?v=<version>`. */
  avatarUrl: z.string(),
  contentType: AvatarContentType,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  bytes: z.number().int().positive(),
});
export type AvatarUploadResponse = z.infer<typeof AvatarUploadResponse>;

/** `GET /api/characters/:id/avatar?v=…`: the version is only a cache key. */
export const AvatarQuery = z.object({ v: z.string().max(64).optional() });

/** `POST /api/characters/generate`: a few words or paragraphs about the character wanted. */
export const GenerateCharacterRequest = z
  .object({ description: z.string().trim().min(3).max(2000) })
  .strict();
export type GenerateCharacterRequest = z.infer<typeof GenerateCharacterRequest>;

/**
 * A draft in the shape `POST /api/characters` accepts; nothing is saved. `source` says who wrote it:
 * the configured LLM, or the offline generator (no LLM configured, or its answer was unusable).
 */
/** A generated draft: every field of a create request filled in. */
export type GeneratedDraft = z.output<typeof CreateCharacterRequest>;

export const GenerateCharacterResponse = z.object({
  draft: CreateCharacterRequest,
  source: z.enum(['llm', 'offline']),
  /** What was repaired or why the offline generator was used; empty when nothing happened. */
  notes: z.array(z.string()),
});
export type GenerateCharacterResponse = z.infer<typeof GenerateCharacterResponse>;

/**
 * Which provider speaks a preview: `auto` is the one a call would use first (ElevenLabs when its key
 * is set, then an OpenAI-compatible speech server, then espeak-ng).
 */
export const PreviewProvider = z.enum(['auto', 'elevenlabs', 'openai', 'espeak']);
export type PreviewProvider = z.infer<typeof PreviewProvider>;

/** The longest text a preview speaks, in characters. */
export const PREVIEW_TEXT_MAX = 300;
const previewText = z.string().trim().min(1).max(PREVIEW_TEXT_MAX);

/** `POST /api/characters/:id/voice/preview`: `text` in the character's voice, as `audio/wav`. */
export const CharacterVoicePreviewRequest = z
  .object({ text: previewText, provider: PreviewProvider.default('auto') })
  .strict();
export type CharacterVoicePreviewRequest = z.input<typeof CharacterVoicePreviewRequest>;

/** `POST /api/voices/preview`: a voice not saved yet (the builder's form), as `audio/wav`. */
export const VoicePreviewRequest = z
  .object({ voice: CharacterVoice, text: previewText, provider: PreviewProvider.default('auto') })
  .strict();
export type VoicePreviewRequest = z.input<typeof VoicePreviewRequest>;

/** The form fields of `POST /api/characters/:id/voice/clone` besides its `files`. */
export const VoiceCloneFields = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(500).optional(),
  })
  .strict();
export type VoiceCloneFields = z.infer<typeof VoiceCloneFields>;

/** `POST /api/characters/:id/voice/clone`: the new ElevenLabs voice, now the character's. */
export const VoiceCloneResponse = z.object({ voiceId: z.string(), character: Character });
export type VoiceCloneResponse = z.infer<typeof VoiceCloneResponse>;
