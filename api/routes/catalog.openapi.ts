import { Character, CharacterListQuery, CharacterPage, CloneCharacterRequest } from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { PublishRequest } from './catalog.ts';
import {
  bodyErrors,
  characterIdParams,
  characterNotOwned,
  characterNotVisible,
  emptyBody,
  emptyBodyErrors,
  notSignedIn,
} from './shared.openapi.ts';

const visibility = (action: 'publish' | 'unpublish'): ApiOperation => ({
  method: 'post',
  path: `/api/characters/:id/${action}`,
  operationId: `${action}Character`,
  summary:
    action === 'publish'
      ? 'Make a character public: everyone may see it, call it and clone it'
      : 'Make a character private again: only its owner (and operators) see it',
  description: "Its owner's, or an operator's. Built-in characters stay public.",
  tag: 'characters',
  params: characterIdParams,
  body: emptyBody(PublishRequest),
  responses: { 200: { description: 'The character', schema: Character } },
  errors: { ...emptyBodyErrors, ...notSignedIn, ...characterNotOwned },
  security: 'bearer',
});

export const catalogOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/characters',
    operationId: 'listCharacters',
    summary: 'The catalog: search, filter and page through the characters the caller may see',
    description:
      'Keyset pages: pass `nextCursor` back as `cursor` (with the same sort) for the next page; ' +
      'characters added meanwhile never repeat or hide one. Unknown parameters are a 400 naming them.',
    tag: 'characters',
    query: CharacterListQuery,
    responses: { 200: { description: 'One page of the catalog', schema: CharacterPage } },
    errors: {
      400: 'An unknown or malformed parameter, or a cursor made for another sort',
      401: '`scope=mine` without sign-in',
    },
  },
  visibility('publish'),
  visibility('unpublish'),
  {
    method: 'post',
    path: '/api/characters/:id/clone',
    operationId: 'cloneCharacter',
    summary: 'A private copy, owned by the caller, of a character they may see',
    description:
      'Copies the builder fields, the voice, the knowledge (entries, documents, chunks) and an uploaded avatar.',
    tag: 'characters',
    params: characterIdParams,
    body: {
      schema: CloneCharacterRequest,
      required: false,
      description: "The copy's name (the original's if left out)",
    },
    responses: { 201: { description: 'The copy', schema: Character } },
    errors: {
      400: 'The body fails the schema',
      ...notSignedIn,
      ...characterNotVisible,
      415: bodyErrors[415],
    },
    security: 'bearer',
  },
];
