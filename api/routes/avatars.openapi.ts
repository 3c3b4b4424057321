import { z } from 'zod';
import { AvatarContentType, AvatarQuery, AvatarUploadResponse } from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { characterIdParams as params, characterNotVisible, notSignedIn } from './shared.openapi.ts';

/** Only the owner of a character of their own changes its avatar. */
const ownerOnly = { ...notSignedIn, 403: 'Not the owner, or a built-in character' };
const image = z.string().describe('The image bytes');

export const avatarOperations: ApiOperation[] = [
  {
    method: 'put',
    path: '/api/characters/:id/avatar',
    operationId: 'uploadCharacterAvatar',
    summary: "Upload the character's avatar image (its owner only)",
    description:
      'The body is the image itself, sent as its type. Its bytes must be of that type and its header must ' +
      "give a size of at most 4096×4096. Afterwards the character's avatarUrl is " +
      '`/api/characters/<id>/avatar?v=<version>`.',
    tag: 'characters',
    params,
    body: {
      schema: image,
      contentType: 'image/png',
      alsoContentTypes: AvatarContentType.options.filter((t) => t !== 'image/png'),
    },
    responses: { 200: { description: 'What was stored', schema: AvatarUploadResponse } },
    errors: {
      400: 'Empty, not an image, not the type it was sent as, or larger than 4096×4096 (`details.reason`)',
      ...ownerOnly,
      ...characterNotVisible,
      413: 'The image is larger than AVATAR_UPLOAD_LIMIT',
      415: 'The body is not image/png, image/jpeg or image/webp',
    },
  },
  {
    method: 'get',
    path: '/api/characters/:id/avatar',
    operationId: 'getCharacterAvatar',
    summary: "The character's uploaded avatar, or a redirect to its avatar image when none was uploaded",
    tag: 'characters',
    params,
    query: AvatarQuery.extend({ v: AvatarQuery.shape.v.describe('The version from avatarUrl: a cache key') }),
    responses: {
      200: { description: 'The image, with an ETag', schema: image, contentType: 'image/*' },
      302: { description: "No upload: the Location is the character's avatar image" },
      304: { description: 'Not modified (If-None-Match matched the ETag)' },
    },
    errors: characterNotVisible,
  },
  {
    method: 'delete',
    path: '/api/characters/:id/avatar',
    operationId: 'deleteCharacterAvatar',
    summary: 'Remove the uploaded avatar; the character falls back to the generic avatar',
    tag: 'characters',
    params,
    responses: { 204: { description: 'Removed' } },
    errors: { ...ownerOnly, 404: 'No such character, or it has no uploaded avatar' },
  },
];
