import { Router, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import {
  CharacterVoicePreviewRequest,
  VoiceCloneFields,
  VoicePreviewRequest,
  type VoiceCloneResponse,
} from '../../protocol/index.ts';
import {
  HttpError,
  NotFoundError,
  parseOrThrow,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.ts';
import type { CharacterRepository } from '../services/characters.ts';
import type { VoiceCloneService } from '../services/voice-clone.ts';
import { VoiceCloningUnavailableError } from '../services/voice-clone.ts';
import type { VoicePreview, VoicePreviewService } from '../services/voice-preview.ts';
import { requireUser } from './auth.ts';
import { loadCharacterFor } from './avatars.ts';

export interface VoiceCloneLimits {
  /** Audio files per clone request. @defaultValue 5 */
  maxFiles: number;
  /** Largest audio file, in bytes. @defaultValue 10485760 (10 MB) */
  maxFileBytes: number;
}

export const defaultVoiceCloneLimits: VoiceCloneLimits = { maxFiles: 5, maxFileBytes: 10 * 1024 ** 2 };

/** The audio types ElevenLabs takes as samples. */
export const VOICE_SAMPLE_TYPES = [
  'audio/mpeg',
  'audio/mp3',
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/webm',
  'audio/ogg',
  'audio/flac',
  'audio/x-flac',
  'audio/mp4',
  'audio/x-m4a',
  'audio/aac',
];

export interface VoicesRouterOptions {
  characters: CharacterRepository;
  previews: VoicePreviewService;
  clones: VoiceCloneService;
  /** The app's JSON body parsing (media type check and size limit), for the JSON routes here. */
  jsonBody: RequestHandler[];
  /** The stricter per-client limit for these costly routes. */
  rateLimit: RequestHandler;
  /** @defaultValue defaultVoiceCloneLimits */
  cloneLimits?: Partial<VoiceCloneLimits>;
}

/**
 * `POST /api/characters/:id/voice/preview` (anyone who may call the character),
 * `POST /api/voices/preview` (signed in; an unsaved voice), both answering `audio/wav`;
 * `POST /api/characters/:id/voice/clone` (owner; multipart). Mounted before the app's JSON parser:
 * the clone route reads a multipart body.
 */
export function voicesRouter(opts: VoicesRouterOptions): Router {
  const { characters, previews, clones, jsonBody, rateLimit } = opts;
  const limits = { ...defaultVoiceCloneLimits, ...opts.cloneLimits };
  const router = Router();
  const signedIn: RequestHandler = (req, _res, next) => {
    requireUser(req, 'sign in to hear a voice preview');
    next();
  };

  router.post('/characters/:id/voice/preview', signedIn, rateLimit, ...jsonBody, async (req, res) => {
    const character = await loadCharacterFor(characters, req, 'call');
    const body = parseOrThrow(CharacterVoicePreviewRequest, req.body, 'request body');
    sendPreview(req, res, await previews.preview(character.voice, body.text, body.provider));
  });

  router.post('/voices/preview', signedIn, rateLimit, ...jsonBody, async (req, res) => {
    const body = parseOrThrow(VoicePreviewRequest, req.body, 'request body');
    sendPreview(req, res, await previews.preview(body.voice, body.text, body.provider));
  });

  const upload = multer({
    storage: multer.memoryStorage(),
    limits: {
      files: limits.maxFiles,
      fileSize: limits.maxFileBytes,
      fields: 4,
      fieldSize: 2048,
      parts: limits.maxFiles + 4,
    },
    fileFilter: (_req, file, done) => {
      if (VOICE_SAMPLE_TYPES.includes(file.mimetype.toLowerCase())) return done(null, true);
      done(new UnsupportedMediaTypeError(`each file must be audio (${VOICE_SAMPLE_TYPES.join(', ')})`));
    },
  }).array('files', limits.maxFiles);

  router.post(
    '/characters/:id/voice/clone',
    async (req, _res, next) => {
      requireUser(req, 'sign in to clone a voice');
      await loadCharacterFor(characters, req, 'write');
      // Said before the upload is read: without ElevenLabs there is nothing to send it to.
      if (!clones.available) throw new VoiceCloningUnavailableError();
      if (!req.is('multipart/form-data'))
        throw new UnsupportedMediaTypeError(
          'send the samples as multipart/form-data with files, name and description',
        );
      next();
    },
    rateLimit,
    (req, res, next) =>
      upload(req, res, (err?: unknown) => next(err === undefined ? undefined : uploadError(err, limits))),
    async (req, res) => {
      const user = requireUser(req);
      const character = await loadCharacterFor(characters, req, 'write');
      const fields = parseOrThrow(VoiceCloneFields, req.body ?? {}, 'form fields');
      const files = (Array.isArray(req.files) ? req.files : []).map((f) => ({
        filename: f.originalname || 'sample',
        contentType: f.mimetype,
        data: f.buffer,
      }));
      if (files.length === 0)
        throw new HttpError(400, 'bad_request', 'send at least one audio file as `files`');
      const voiceId = await clones.clone({ ...fields, files });
      const updated = await characters.update(character.id, {
        voice: { ...character.voice, elevenlabs: { voiceId } },
      });
      if (!updated) throw new NotFoundError('character not found');
      req.log.info(
        { character: character.id, userId: user.id, voiceId, files: files.length },
        'voice cloned',
      );
      const body: VoiceCloneResponse = { voiceId, character: updated };
      res.status(201).json(body);
    },
  );
  return router;
}

function sendPreview(req: Request, res: Response, preview: VoicePreview): void {
  req.log.info({ provider: preview.provider, durationMs: preview.durationMs }, 'voice preview');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Voice-Provider', preview.provider);
  res.type('audio/wav').send(preview.wav);
}

/** Multer's and busboy's errors as the client's: too big, too many, or a broken form. */
function uploadError(err: unknown, limits: VoiceCloneLimits): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof multer.MulterError) {
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
        return new PayloadTooLargeError(limits.maxFileBytes);
      case 'LIMIT_FILE_COUNT':
      case 'LIMIT_UNEXPECTED_FILE':
        return new HttpError(
          400,
          'bad_request',
          `send at most ${limits.maxFiles} audio files, as the field \`files\``,
        );
      case 'LIMIT_FIELD_VALUE':
      case 'LIMIT_FIELD_KEY':
        return new PayloadTooLargeError();
      default:
        return new HttpError(400, 'bad_request', 'the form has too many parts or fields');
    }
  }
  return new HttpError(400, 'bad_request', 'the multipart form could not be read');
}
