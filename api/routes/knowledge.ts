import express, { Router, type Request, type RequestHandler } from 'express';
import {
  CreateKnowledgeDocumentRequest,
  KnowledgeRetrievalRequest,
  KnowledgeSearchQuery,
  UploadKnowledgeQuery,
  type KnowledgeRetrievalResponse,
  type KnowledgeSearchResponse,
} from '../../protocol/index.ts';
import { BadRequestError, NotFoundError, parseOrThrow, UnsupportedMediaTypeError } from '../errors.ts';
import { characterAccess, type CharacterAction } from '../services/access.ts';
import type { CharacterRepository } from '../services/characters.ts';
import { firstMarkdownHeading } from '../services/knowledge/chunker.ts';
import type { KnowledgeService } from '../services/knowledge/service.ts';
import { enforce, requireUser } from './auth.ts';
import { characterIdParam, sessionIdParam, uuidParam } from './params.ts';

/** What a document may be sent as: the text itself, or JSON `{title, format, content}`. */
export const KNOWLEDGE_MEDIA_TYPES = ['text/plain', 'text/markdown', 'application/json'];

export interface KnowledgeRouterOptions {
  characters: CharacterRepository;
  knowledge: KnowledgeService;
  /** Largest document accepted, in bytes (`KNOWLEDGE_UPLOAD_LIMIT`). */
  uploadLimitBytes: number;
}

/**
 * A character's knowledge: `GET /api/characters/:id/knowledge`, `…/knowledge/search` (whoever may
 * see the character); `POST /api/characters/:id/knowledge`, `DELETE …/knowledge/:documentId`
 * (its owner). Mounted before the JSON body parser: uploads are read here, raw text or JSON, with
 * their own size limit.
 */
export function knowledgeRouter({ characters, knowledge, uploadLimitBytes }: KnowledgeRouterOptions): Router {
  const router = Router();
  const load = async (req: Request, action: CharacterAction) => {
    const id = characterIdParam(req.params.id);
    const character = await characters.get(id);
    if (!character) throw new NotFoundError('character not found');
    enforce(characterAccess(req.user, character, action), 'character');
    return character;
  };

  router.get('/characters/:id/knowledge', async (req, res) => {
    const { id } = await load(req, 'read');
    res.json(await knowledge.overview(id));
  });

  router.get('/characters/:id/knowledge/search', async (req, res) => {
    const { id } = await load(req, 'read');
    const { q, limit } = parseOrThrow(KnowledgeSearchQuery, req.query, 'query');
    const body: KnowledgeSearchResponse = { passages: await knowledge.search([id], q, limit) };
    res.json(body);
  });

  router.post(
    '/characters/:id/knowledge',
    // Sign-in, the media type and the right to write are checked before the body is read.
    async (req, _res, next) => {
      requireUser(req, 'sign in to add knowledge');
      const length = Number(req.headers['content-length'] ?? 0);
      if (req.headers['transfer-encoding'] === undefined && !(length > 0))
        throw new BadRequestError('send the document as the request body');
      if (!req.is(KNOWLEDGE_MEDIA_TYPES))
        throw new UnsupportedMediaTypeError(`send the document as ${KNOWLEDGE_MEDIA_TYPES.join(', ')}`);
      await load(req, 'write');
      next();
    },
    express.text({ type: ['text/plain', 'text/markdown'], limit: uploadLimitBytes }) as RequestHandler,
    express.json({ type: 'application/json', limit: uploadLimitBytes, strict: true }) as RequestHandler,
    async (req, res) => {
      const user = requireUser(req);
      const { id } = await load(req, 'write');
      const input = parseOrThrow(CreateKnowledgeDocumentRequest, documentFrom(req), 'document');
      const doc = await knowledge.addDocument(id, input);
      req.log.info(
        { character: id, userId: user.id, document: doc.id, chunks: doc.chunkCount, size: doc.size },
        'knowledge document added',
      );
      res.status(201).json(doc);
    },
  );

  router.delete('/characters/:id/knowledge/:documentId', async (req, res) => {
    const user = requireUser(req);
    const { id } = await load(req, 'write');
    const documentId = uuidParam(req.params.documentId, 'document not found');
    if (!(await knowledge.deleteDocument(id, documentId))) throw new NotFoundError('document not found');
    req.log.info({ character: id, userId: user.id, document: documentId }, 'knowledge document deleted');
    res.status(204).end();
  });
  return router;
}

/** The request as `{title, format, content}`: JSON as sent, or the raw text with its title. */
function documentFrom(req: Request): unknown {
  if (req.is('application/json')) return req.body as unknown;
  const content = typeof req.body === 'string' ? req.body : '';
  const format = req.is('text/markdown') ? 'markdown' : 'text';
  const { title } = parseOrThrow(UploadKnowledgeQuery, req.query, 'query');
  return {
    title: title ?? (format === 'markdown' ? firstMarkdownHeading(content) : undefined) ?? 'Untitled',
    format,
    content,
  };
}

/**
 * `POST /api/internal/sessions/:id/knowledge` (the agent, behind requireAgentToken): passages for
 * a turn, from the named character of the session or from all of them.
 */
export function knowledgeInternalRouter(knowledge: KnowledgeService): Router {
  const router = Router();
  router.post('/sessions/:id/knowledge', async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const { query, characterId, limit } = parseOrThrow(
      KnowledgeRetrievalRequest,
      req.body,
      'knowledge request',
    );
    const ids = await knowledge.sessionCharacterIds(sessionId);
    if (!ids) throw new NotFoundError('session not found');
    if (characterId !== undefined && !ids.includes(characterId))
      throw new NotFoundError('character is not in this session');
    const body: KnowledgeRetrievalResponse = {
      passages: await knowledge.search(characterId ? [characterId] : ids, query, limit ?? 5),
    };
    res.json(body);
  });
  return router;
}
