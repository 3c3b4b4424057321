import { createRequire } from 'node:module';
import { metricsOperations } from '../http/metrics.openapi.ts';
import { accountOperations } from '../routes/accounts.openapi.ts';
import { analyticsOperations } from '../routes/analytics.openapi.ts';
import { broadcastOperations } from '../routes/broadcasts.openapi.ts';
import { showControlOperations } from '../routes/show-control.openapi.ts';
import { catalogOperations } from '../routes/catalog.openapi.ts';
import { characterOperations } from '../routes/characters.openapi.ts';
import { knowledgeOperations } from '../routes/knowledge.openapi.ts';
import { libraryImportOperations } from '../routes/library-import.openapi.ts';
import { avatarOperations } from '../routes/avatars.openapi.ts';
import { characterGenerateOperations } from '../routes/character-generate.openapi.ts';
import { voiceOperations } from '../routes/voices.openapi.ts';
import { docsOperations } from '../routes/docs.openapi.ts';
import { healthOperations } from '../routes/health.openapi.ts';
import { livekitWebhookOperations } from '../routes/livekit-webhook.openapi.ts';
import { sessionOperations } from '../routes/sessions.openapi.ts';
import type { ApiOperation, DocumentInfo } from './registry.ts';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export const apiInfo: DocumentInfo = {
  title: 'Troupe API',
  version,
  description:
    'Live voice calls with AI characters. Errors always have the shape `{error: {code, message, details?}}`.',
};

export interface OperationsOptions {
  /** `/metrics` is served. @defaultValue true */
  metrics: boolean;
}

/**
 * Every documented endpoint. A new route file `api/routes/x.ts` describes its endpoints in
 * `api/routes/x.openapi.ts` and adds them here. The agent's `/api/internal/*` reports are left out:
 * they are a contract between our own processes, not an API for others.
 */
export function apiOperations(opts: Partial<OperationsOptions> = {}): ApiOperation[] {
  return [
    ...healthOperations,
    ...accountOperations,
    ...catalogOperations,
    ...characterOperations,
    ...libraryImportOperations,
    ...knowledgeOperations,
    ...characterGenerateOperations,
    ...avatarOperations,
    ...voiceOperations,
    ...sessionOperations,
    ...analyticsOperations,
    ...broadcastOperations,
    ...showControlOperations,
    ...livekitWebhookOperations,
    ...docsOperations,
    ...((opts.metrics ?? true) ? metricsOperations : []),
  ];
}
