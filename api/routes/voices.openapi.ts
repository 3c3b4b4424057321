import { z } from 'zod';
import {
  CharacterVoicePreviewRequest,
  VoiceCloneFields,
  VoiceCloneResponse,
  VoicePreviewRequest,
} from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { characterIdParams as params, characterNotVisible, notSignedIn } from './shared.openapi.ts';

const wav = z.string().describe('A WAVE file: PCM16, mono');
const previewErrors = {
  400: 'No text, or text over 300 characters',
  ...notSignedIn,
  409: 'The provider asked for is not configured on this server',
  502: 'The provider refused (`details.upstreamStatus`)',
  503: 'The provider could not be reached, or espeak-ng is not installed',
  504: 'The provider took too long',
};

export const voiceOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/characters/:id/voice/preview',
    operationId: 'previewCharacterVoice',
    summary: "A short text spoken in the character's voice",
    description:
      '`provider: "auto"` uses the provider a call would use first (ElevenLabs, then an OpenAI-compatible ' +
      'speech server, then espeak-ng); the X-Voice-Provider header names it. Limited by ' +
      'BUILDER_RATE_LIMIT_PER_MINUTE.',
    tag: 'voices',
    params,
    body: { schema: CharacterVoicePreviewRequest },
    responses: { 200: { description: 'The speech', schema: wav, contentType: 'audio/wav' } },
    errors: { ...previewErrors, ...characterNotVisible },
  },
  {
    method: 'post',
    path: '/api/voices/preview',
    operationId: 'previewVoice',
    summary: 'A short text spoken in a voice that is not saved yet (the builder form)',
    tag: 'voices',
    body: { schema: VoicePreviewRequest },
    responses: { 200: { description: 'The speech', schema: wav, contentType: 'audio/wav' } },
    errors: previewErrors,
  },
  {
    method: 'post',
    path: '/api/characters/:id/voice/clone',
    operationId: 'cloneCharacterVoice',
    summary: "Clone a voice from audio samples at ElevenLabs and make it the character's ElevenLabs voice",
    description:
      'A multipart form: `files` (1–5 audio files, 10 MB each at most), `name`, and optionally ' +
      '`description`. Needs ELEVENLABS_API_KEY on the server.',
    tag: 'voices',
    params,
    body: {
      schema: VoiceCloneFields.extend({
        files: z.array(z.string().describe('An audio file')).min(1).max(5),
      }),
      contentType: 'multipart/form-data',
    },
    responses: { 201: { description: 'The new voice and the character', schema: VoiceCloneResponse } },
    errors: {
      400: 'No files, too many, bad fields, or ElevenLabs refused the samples',
      ...notSignedIn,
      403: 'Not the owner, or a built-in character',
      ...characterNotVisible,
      409: 'Voice cloning is unavailable: no ELEVENLABS_API_KEY (`voice_cloning_unavailable`)',
      413: 'A file is larger than 10 MB',
      415: 'Not multipart/form-data, or a file that is not audio',
      502: "ElevenLabs refused the server's key",
      503: 'ElevenLabs failed or could not be reached',
    },
  },
];
