import express, { Router, type Request, type RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { LibraryImportQuery } from '../../protocol/index.ts';
import { LibraryError, type LibraryFile } from '../cards/library.ts';
import {
  HttpError,
  NotFoundError,
  parseOrThrow,
  PayloadTooLargeError,
  RateLimitedError,
  UnsupportedMediaTypeError,
} from '../errors.ts';
import type { LibrarySlot, LibraryImportService } from '../services/library-import.ts';
import { requireUser } from './auth.ts';

/** Media types a raw (non-multipart) upload may have: one ZIP library as the body. */
const RAW_TYPES = ['application/zip', 'application/x-zip-compressed', 'application/octet-stream'];
/** Room for multipart boundaries and part headers on top of the files' own bytes. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;
const SLOT = 'troupe.librarySlot';

export interface LibraryImportRouterOptions {
  imports: LibraryImportService;
  /** Most bytes one upload may carry, all its files together (`LIBRARY_IMPORT_UPLOAD_LIMIT`). */
  uploadLimitBytes: number;
}

/**
 * `POST /api/characters/library-imports` (signed in): a multipart form whose `files` are ZIP
 * libraries and card files, or one ZIP library as the raw body; answers 202 with the job.
 * `GET /api/characters/library-imports/:id[?from=N]` (its owner only): the job's progress.
 * Mounted before the JSON body parser: the upload is read here, within its own byte budget.
 */
export function libraryImportRouter({ imports, uploadLimitBytes }: LibraryImportRouterOptions): Router {
  const router = Router();
  const maxFiles = imports.options.limits.maxCards;

  router.post(
    '/characters/library-imports',
    // Everything that can refuse the upload without reading it comes first.
    (req, res, next) => {
      requireUser(req, 'sign in to import a library');
      const multipart = req.is('multipart/form-data') === 'multipart/form-data';
      if (!multipart && !req.is(RAW_TYPES))
        throw new UnsupportedMediaTypeError(
          'send the files as multipart/form-data (field `files`), or one ZIP library as application/zip',
        );
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > uploadLimitBytes + (multipart ? MULTIPART_OVERHEAD_BYTES : 0))
        throw new PayloadTooLargeError(uploadLimitBytes);
      const slot = imports.reserve();
      if (!slot) throw busy();
      res.locals[SLOT] = slot;
      res.once('close', () => slot.releaseUnlessTaken());
      next();
    },
    (req, res, next) => {
      if (req.is('multipart/form-data') !== 'multipart/form-data')
        return rawBody(uploadLimitBytes)(req, res, next);
      budgetedUpload(uploadLimitBytes, maxFiles)(req, res, (err?: unknown) =>
        next(err === undefined ? undefined : uploadError(err, uploadLimitBytes, maxFiles)),
      );
    },
    async (req, res) => {
      const user = requireUser(req);
      const files = uploadedFiles(req);
      if (files.length === 0)
        throw new HttpError(400, 'bad_request', 'send at least one file, as the multipart field `files`');
      let job;
      try {
        job = await imports.start(res.locals[SLOT] as LibrarySlot, user.id, files, req.log);
      } catch (err) {
        if (!(err instanceof LibraryError)) throw err;
        const { code: libraryCode, limit, inflatedBytes } = err;
        req.log.info({ userId: user.id, libraryCode, limit, inflatedBytes }, 'library upload refused');
        throw libraryHttpError(err);
      }
      res.status(202).location(`/api/characters/library-imports/${job.id}`).json(job);
    },
  );

  router.get('/characters/library-imports/:id', async (req, res) => {
    const user = requireUser(req, 'sign in to see an import');
    const id = z.uuid().safeParse(req.params.id);
    if (!id.success) throw new NotFoundError('library import not found');
    const { from } = parseOrThrow(LibraryImportQuery, req.query, 'query');
    const job = await imports.get(id.data, user.id, from);
    // Another account's import answers as if it did not exist.
    if (!job) throw new NotFoundError('library import not found');
    res.setHeader('Cache-Control', 'no-store');
    res.json(job);
  });
  return router;
}

function busy(): HttpError {
  const err = new RateLimitedError(5000);
  err.retryAfterInS = 5;
  return err;
}

/** A LibraryError as the API answers it: 413 for sizes, 400 for the rest; `details.libraryCode`. */
export function libraryHttpError(err: LibraryError): HttpError {
  const details = { libraryCode: err.code, ...(err.limit === undefined ? {} : { limit: err.limit }) };
  return err.kind === 'size'
    ? new HttpError(413, 'payload_too_large', err.message, details)
    : new HttpError(400, 'invalid_library', err.message, details);
}

function rawBody(limit: number): RequestHandler {
  return express.raw({ type: () => true, limit }) as RequestHandler;
}

function uploadedFiles(req: Request): LibraryFile[] {
  if (Buffer.isBuffer(req.body))
    return req.body.length === 0 ? [] : [{ name: 'library.zip', bytes: new Uint8Array(req.body) }];
  const files = Array.isArray(req.files) ? req.files : [];
  return files.map((f) => ({ name: f.originalname || 'upload', bytes: new Uint8Array(f.buffer) }));
}

/**
 * multer with a byte budget for the whole request rather than per file: memory storage that stops
 * a file as soon as the files together pass `limitBytes`, so several files cannot add up past it.
 */
function budgetedUpload(limitBytes: number, maxFiles: number): RequestHandler {
  let used = 0;
  const storage: multer.StorageEngine = {
    _handleFile(_req, file, done) {
      const chunks: Buffer[] = [];
      let finished = false;
      const finish = (err: Error | null, info?: Partial<Express.Multer.File>) => {
        if (finished) return;
        finished = true;
        done(err, info);
      };
      file.stream.on('data', (chunk: Buffer) => {
        used += chunk.length;
        if (used > limitBytes) {
          chunks.length = 0;
          file.stream.removeAllListeners('data');
          file.stream.resume();
          return finish(new PayloadTooLargeError(limitBytes));
        }
        chunks.push(chunk);
      });
      file.stream.on('end', () => {
        const buffer = Buffer.concat(chunks);
        finish(null, { buffer, size: buffer.length });
      });
      file.stream.on('error', (err: Error) => finish(err));
    },
    _removeFile(_req, file, done) {
      (file as Partial<Express.Multer.File>).buffer = undefined;
      done(null);
    },
  };
  return multer({
    storage,
    limits: { files: maxFiles, fileSize: limitBytes, fields: 0, parts: maxFiles, fieldNameSize: 100 },
  }).array('files', maxFiles);
}

/** multer's and busboy's errors as the client's: too big, too many, or a broken form. */
function uploadError(err: unknown, limitBytes: number, maxFiles: number): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof multer.MulterError) {
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
        return new PayloadTooLargeError(limitBytes);
      case 'LIMIT_FILE_COUNT':
      case 'LIMIT_PART_COUNT':
        return new HttpError(400, 'invalid_library', `send at most ${maxFiles} files at once`, {
          libraryCode: 'too_many_cards',
          limit: maxFiles,
        });
      case 'LIMIT_UNEXPECTED_FILE':
      case 'LIMIT_FIELD_COUNT':
        return new HttpError(
          400,
          'bad_request',
          'send the files as the multipart field `files`, and nothing else',
        );
      default:
        return new HttpError(400, 'bad_request', 'the multipart form could not be read');
    }
  }
  return new HttpError(400, 'bad_request', 'the upload could not be read');
}
