import type {
  AvatarUploadResponse,
  Character,
  CharacterPage,
  CharacterVoice,
  CloneCharacterRequest,
  CreateCharacterRequest,
  GenerateCharacterResponse,
  ImportCharacterResponse,
  KnowledgeDocument,
  KnowledgeOverview,
  UpdateCharacterRequest,
  VoiceCloneResponse,
} from '../../protocol/index.ts';
import { request, requestBlob } from './api.ts';
import { catalogQueryString } from './query.ts';
import type { CatalogFilters } from './query.ts';

const base = (id: string): string => `/api/characters/${encodeURIComponent(id)}`;

/** One catalog page. `nextCursor`/`total` are filled in when the API answers without them. */
export async function catalogPage(
  filters: CatalogFilters,
  page: { limit: number; cursor?: string },
): Promise<CharacterPage> {
  const body = await request<Partial<CharacterPage> & { characters: Character[] }>(
    'GET',
    `/api/characters${catalogQueryString(filters, page)}`,
  );
  return {
    characters: body.characters,
    nextCursor: body.nextCursor ?? null,
    total: body.total ?? body.characters.length,
  };
}

export const getCharacter = (id: string): Promise<Character> => request('GET', base(id));

export const createCharacter = (body: CreateCharacterRequest): Promise<Character> =>
  request('POST', '/api/characters', body);

export const updateCharacter = (id: string, body: UpdateCharacterRequest): Promise<Character> =>
  request('PATCH', base(id), body);

export const deleteCharacter = (id: string): Promise<void> => request('DELETE', base(id));

export const cloneCharacter = (id: string, body: CloneCharacterRequest = {}): Promise<Character> =>
  request('POST', `${base(id)}/clone`, body);

/** A card file as it was dropped or picked: PNG, JSON or .charx. */
export function importCard(file: File): Promise<ImportCharacterResponse> {
  const name = file.name.toLowerCase();
  const contentType = name.endsWith('.png')
    ? 'image/png'
    : name.endsWith('.json')
      ? 'application/json'
      : name.endsWith('.charx')
        ? 'application/zip'
        : file.type || 'application/octet-stream';
  return request('POST', '/api/characters/import', { raw: file, contentType });
}

export const exportCard = (id: string, format: 'v2-json' | 'v2-png' | 'v3-json'): Promise<Blob> =>
  requestBlob('GET', `${base(id)}/export?format=${format}`);

export function uploadAvatar(id: string, file: File): Promise<AvatarUploadResponse> {
  return request('PUT', `${base(id)}/avatar`, { raw: file, contentType: file.type });
}

export const removeAvatar = (id: string): Promise<void> => request('DELETE', `${base(id)}/avatar`);

export const generateCharacter = (description: string): Promise<GenerateCharacterResponse> =>
  request('POST', '/api/characters/generate', { description });

/** A saved character's voice, or the form's voice when it is not saved yet; a WAV. */
export function previewVoice(
  target: { characterId: string } | { voice: CharacterVoice },
  text: string,
): Promise<Blob> {
  return 'characterId' in target
    ? requestBlob('POST', `${base(target.characterId)}/voice/preview`, { text }, 'audio/wav')
    : requestBlob('POST', '/api/voices/preview', { voice: target.voice, text }, 'audio/wav');
}

/** Clones a voice from audio samples (ElevenLabs); the new voice becomes the character's. */
export function cloneVoice(id: string, files: readonly File[], name: string): Promise<VoiceCloneResponse> {
  const form = new FormData();
  for (const f of files) form.append('files', f, f.name);
  form.append('name', name);
  return request('POST', `${base(id)}/voice/clone`, form);
}

export const listKnowledge = (id: string): Promise<KnowledgeOverview> =>
  request('GET', `${base(id)}/knowledge`);

/** Uploads a text or Markdown file as one knowledge document, titled by its file name. */
export function uploadKnowledge(id: string, file: File): Promise<KnowledgeDocument> {
  const markdown = /\.(md|markdown)$/i.test(file.name) || file.type === 'text/markdown';
  const title = file.name.replace(/\.[^.]+$/, '').slice(0, 200) || 'Untitled';
  return request('POST', `${base(id)}/knowledge?title=${encodeURIComponent(title)}`, {
    raw: file,
    contentType: markdown ? 'text/markdown' : 'text/plain',
  });
}

export const deleteKnowledge = (id: string, documentId: string): Promise<void> =>
  request('DELETE', `${base(id)}/knowledge/${encodeURIComponent(documentId)}`);

/** Saves a Blob under a file name through a temporary link. */
export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
