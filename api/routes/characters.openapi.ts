import { z } from 'zod';
import { Character, CharacterId, CharacterList } from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';

export const characterOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/characters',
    operationId: 'listCharacters',
    summary: 'Every character, built-in ones first, then by name',
    tag: 'characters',
    responses: { 200: { description: 'The catalog', schema: CharacterList } },
  },
  {
    method: 'get',
    path: '/api/characters/:id',
    operationId: 'getCharacter',
    summary: 'One character',
    tag: 'characters',
    params: z.object({ id: CharacterId.describe('The character id, a lowercase slug') }),
    responses: { 200: { description: 'The character', schema: Character } },
    errors: { 404: 'No such character' },
  },
];
