import { z } from 'zod';
import {
  CardExportFormat,
  Character,
  CreateCharacterRequest,
  ImportCharacterResponse,
  UpdateCharacterRequest,
} from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import {
  bodyErrors,
  characterIdParams,
  characterNotOwned,
  characterNotVisible,
  notSignedIn,
} from './shared.openapi.ts';

export const characterOperations: ApiOperation[] = [
  // `GET /api/characters` (the catalog) is described in catalog.openapi.ts.
  {
    method: 'get',
    path: '/api/characters/:id',
    operationId: 'getCharacter',
    summary: 'One character',
    tag: 'characters',
    params: characterIdParams,
    responses: { 200: { description: 'The character', schema: Character } },
    errors: { 404: 'No such character' },
  },
  {
    method: 'post',
    path: '/api/characters/import',
    operationId: 'importCharacter',
    summary: 'Make a private character from a character card file (V1/V2/V3 JSON, PNG card or .charx)',
    description:
      "The body is the card file itself. Its lorebook becomes the character's knowledge entries, and " +
      'the card is kept so that an export writes back the fields Troupe does not model.',
    tag: 'characters',
    body: {
      schema: z.unknown().describe('The card file'),
      contentType: 'application/json',
      alsoContentTypes: ['image/png', 'application/zip', 'application/octet-stream'],
    },
    responses: {
      201: {
        description: 'The new character and what of the card was skipped',
        schema: ImportCharacterResponse,
      },
    },
    errors: {
      400: 'The card cannot be read (`invalid_card`; `details.cardCode` says why)',
      ...notSignedIn,
      413: 'The file is larger than CARD_UPLOAD_LIMIT',
      415: 'The body is not JSON, PNG or ZIP',
    },
  },
  {
    method: 'get',
    path: '/api/characters/:id/export',
    operationId: 'exportCharacter',
    summary: 'A character as a card file, sent as an attachment',
    description:
      'JSON for `v2-json` and `v3-json`; a PNG (`image/png`) with `chara` and `ccv3` chunks for `v2-png`.',
    tag: 'characters',
    params: characterIdParams,
    query: z.object({ format: CardExportFormat.default('v2-json').describe('The card format') }),
    responses: { 200: { description: 'The card file', schema: z.unknown().describe('The card') } },
    errors: { 400: 'Unknown format', ...characterNotVisible },
  },
  {
    method: 'post',
    path: '/api/characters',
    operationId: 'createCharacter',
    summary: "Create a character of the caller's own (private unless said otherwise)",
    tag: 'characters',
    body: { schema: CreateCharacterRequest },
    responses: { 201: { description: 'The character', schema: Character } },
    errors: { ...bodyErrors, ...notSignedIn },
    security: 'bearer',
  },
  {
    method: 'patch',
    path: '/api/characters/:id',
    operationId: 'updateCharacter',
    summary: "Change fields of one of the caller's characters",
    tag: 'characters',
    params: characterIdParams,
    body: { schema: UpdateCharacterRequest },
    responses: { 200: { description: 'The character', schema: Character } },
    errors: { 400: bodyErrors[400], ...notSignedIn, ...characterNotOwned, 415: bodyErrors[415] },
    security: 'bearer',
  },
  {
    method: 'delete',
    path: '/api/characters/:id',
    operationId: 'deleteCharacter',
    summary: "Delete one of the caller's characters that no session refers to",
    tag: 'characters',
    params: characterIdParams,
    responses: { 204: { description: 'Deleted' } },
    errors: { ...notSignedIn, ...characterNotOwned, 409: 'Sessions refer to it: make it private instead' },
    security: 'bearer',
  },
];
