import { z } from 'zod';
import { LibraryImport, LibraryImportQuery } from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { notSignedIn } from './shared.openapi.ts';

const params = z.object({ id: z.uuid().describe('The library import id') });

export const libraryImportOperations: ApiOperation[] = [
  {
    method: 'post',
    path: '/api/characters/library-imports',
    operationId: 'startLibraryImport',
    summary: 'Import many character cards at once: ZIP libraries and card files, as one job',
    description:
      'A multipart form whose `files` are ZIP libraries (their `.json`, `.png` and `.charx` entries are ' +
      'cards; directories, `__MACOSX/` and dotfiles are skipped, other files ignored) and single card ' +
      'files; or one ZIP library as the raw body (`application/zip`). The whole upload is checked ' +
      'first (sizes, counts, every entry inflated once against its declared size), then the job runs in ' +
      'the API: each card becomes a private character (`imported`), is skipped because the account ' +
      'already has the same card (`duplicate`: same data fields, whatever the file format), or is ' +
      '`rejected` with its reason. Poll the job at the `Location` header.',
    tag: 'characters',
    body: {
      schema: z.object({
        files: z
          .array(z.string().describe('A ZIP library, or a .json, .png or .charx card'))
          .min(1)
          .describe('The files; or send one ZIP library as the whole body, as application/zip'),
      }),
      contentType: 'multipart/form-data',
    },
    responses: {
      202: { description: 'The job, started; `results` fill in as it runs', schema: LibraryImport },
    },
    errors: {
      400:
        'No files, a form field other than `files`, a ZIP that cannot be read, no cards, or more than ' +
        'LIBRARY_IMPORT_MAX_CARDS cards (`invalid_library`; `details.libraryCode` says which)',
      ...notSignedIn,
      413:
        'Over LIBRARY_IMPORT_UPLOAD_LIMIT, a card over LIBRARY_IMPORT_MAX_CARD_SIZE, cards inflating past ' +
        'LIBRARY_IMPORT_MAX_UNCOMPRESSED, or an entry inflating past its declared size (`payload_too_large`; ' +
        '`details.libraryCode`: `too_large`, `card_too_large` or `zip_bomb` when the archive is the cause)',
      415: 'Neither multipart/form-data nor a ZIP body',
    },
    security: 'bearer',
  },
  {
    method: 'get',
    path: '/api/characters/library-imports/:id',
    operationId: 'getLibraryImport',
    summary: "A library import's progress and per-card results (its owner only)",
    description:
      'Poll until `status` is no longer `running`. `?from=N` returns only the results from index N on ' +
      '(`resultsFrom` says where the page starts), so that a poller fetches each result once.',
    tag: 'characters',
    params,
    query: LibraryImportQuery.extend({
      from: LibraryImportQuery.shape.from.describe('Return the results from this index on'),
    }),
    responses: { 200: { description: 'The job', schema: LibraryImport } },
    errors: { ...notSignedIn, 404: "No such import, or another account's" },
    security: 'bearer',
  },
];
