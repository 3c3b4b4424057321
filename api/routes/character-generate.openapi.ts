import { GenerateCharacterRequest, GenerateCharacterResponse } from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { notSignedIn } from './shared.openapi.ts';

export const characterGenerateOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/characters/generate',
    operationId: 'generateCharacter',
    summary: 'Draft a character from a description (not saved)',
    description:
      'The draft has the shape `POST /api/characters` takes. It is written by the configured LLM ' +
      '(`source: "llm"`, invalid fields filled in offline and listed in `notes`), or by the offline ' +
      'generator when no LLM is configured or its answer was unusable (`source: "offline"`). Limited by ' +
      'BUILDER_RATE_LIMIT_PER_MINUTE.',
    tag: 'characters',
    body: { schema: GenerateCharacterRequest },
    responses: { 200: { description: 'The draft', schema: GenerateCharacterResponse } },
    errors: { 400: 'No description, or a description over 2000 characters', ...notSignedIn },
  },
];
