import { z } from 'zod';
import {
  CreateKnowledgeDocumentRequest,
  KnowledgeDocument,
  KnowledgeOverview,
  KnowledgeSearchQuery,
  KnowledgeSearchResponse,
  UploadKnowledgeQuery,
} from '../../protocol/index.ts';
import type { ApiOperation } from '../openapi/registry.ts';
import { characterIdParams, characterNotVisible, notSignedIn } from './shared.openapi.ts';

/** Adding and deleting knowledge is for the character's owner. */
const ownerOnly = { ...notSignedIn, 403: 'The caller may see the character but does not own it' };

export const knowledgeOperations: ApiOperation[] = [
  {
    method: 'get',
    path: '/api/characters/:id/knowledge',
    operationId: 'listKnowledge',
    summary: "A character's knowledge documents (without their text) and how many lorebook entries it has",
    tag: 'knowledge',
    params: characterIdParams,
    responses: { 200: { description: 'The documents, oldest first', schema: KnowledgeOverview } },
    errors: characterNotVisible,
  },
  {
    method: 'post',
    path: '/api/characters/:id/knowledge',
    operationId: 'addKnowledgeDocument',
    summary: 'Add a text or Markdown document to a character (its owner only)',
    description:
      'The body is the document itself (`text/plain` or `text/markdown`, titled by `?title=`, else by ' +
      "the first Markdown heading, else 'Untitled'), or JSON `{title, format, content}`. It is split " +
      'into passages (Markdown by its headings) that are retrieved for each turn of a call.',
    tag: 'knowledge',
    params: characterIdParams,
    query: UploadKnowledgeQuery,
    body: {
      schema: CreateKnowledgeDocumentRequest,
      contentType: 'application/json',
      alsoContentTypes: ['text/plain', 'text/markdown'],
    },
    responses: { 201: { description: 'The document with its passage count', schema: KnowledgeDocument } },
    errors: {
      400: 'Empty document or invalid fields',
      ...ownerOnly,
      ...characterNotVisible,
      413: 'The document is larger than KNOWLEDGE_UPLOAD_LIMIT',
      415: 'The body is not text/plain, text/markdown or JSON',
    },
  },
  {
    method: 'delete',
    path: '/api/characters/:id/knowledge/:documentId',
    operationId: 'deleteKnowledgeDocument',
    summary: 'Delete a knowledge document and its passages (the character’s owner only)',
    tag: 'knowledge',
    params: characterIdParams.extend({ documentId: z.uuid().describe('The document id') }),
    responses: { 204: { description: 'Deleted' } },
    errors: { ...ownerOnly, 404: 'No such character or document' },
  },
  {
    method: 'get',
    path: '/api/characters/:id/knowledge/search',
    operationId: 'searchKnowledge',
    summary: "The passages of a character's knowledge that best match a question, best first",
    description:
      'Full-text search (English stemming) over documents and lorebook entries, fused with vector ' +
      'search where embeddings are configured and the database has pgvector. A lorebook entry one of ' +
      'whose keys is in the question comes first (`keyed`).',
    tag: 'knowledge',
    params: characterIdParams,
    query: KnowledgeSearchQuery,
    responses: { 200: { description: 'The passages with their scores', schema: KnowledgeSearchResponse } },
    errors: { 400: 'Missing or too long `q`, or a bad `limit`', ...characterNotVisible },
  },
];
