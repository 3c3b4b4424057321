import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, dbKinds, testCharacters } from '../../../db/testing.ts';
import { seedCharacters } from '../../../db/seed.ts';
import { startFakeEmbeddings, type FakeEmbeddings } from '../../../test/support/fake-embeddings.ts';
import { EmbeddingsClient, hasPgvector, reciprocalRankFusion } from './embeddings.ts';
import { KnowledgeService } from './service.ts';

let fake: FakeEmbeddings;
beforeAll(async () => {
  fake = await startFakeEmbeddings(32);
});
afterAll(async () => fake?.close());

describe('EmbeddingsClient', () => {
  it('when texts are embedded, then they are sent in batches with the key and come back in order', async () => {
    fake.requests.length = 0;
    const client = new EmbeddingsClient({
      baseUrl: fake.baseURL,
      apiKey: 'sk-emb',
      model: 'm',
      batchSize: 2,
    });
    const vectors = await client.embed(['harbour', 'lighthouse keeper', 'harbour']);
    expect(vectors).toHaveLength(3);
    expect(vectors[0]).toEqual(vectors[2]);
    expect(vectors[0]).not.toEqual(vectors[1]);
    expect(fake.requests.map((r) => r.body.input)).toEqual([['harbour', 'lighthouse keeper'], ['harbour']]);
    expect(fake.requests[0]!.authorization).toBe('Bearer sk-emb');
    expect(fake.requests[0]!.body.model).toBe('m');
  });

  it('when the server fails, then embed throws', async () => {
    fake.failWith = 503;
    const client = new EmbeddingsClient({ baseUrl: fake.baseURL, apiKey: undefined, model: 'm' });
    await expect(client.embed(['x'])).rejects.toThrow(/503/);
    fake.failWith = undefined;
  });
});

describe('reciprocalRankFusion', () => {
  it('when two rankings agree on an item, then it beats items only one of them ranks first', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['d', 'b', 'a'],
    ]);
    const order = [...fused.entries()].sort((x, y) => y[1] - x[1]).map(([id]) => id);
    expect(order.slice(0, 2).sort()).toEqual(['a', 'b']);
    expect(fused.get('a')).toBeCloseTo(1 / 61 + 1 / 63);
  });
});

describe.each(dbKinds)('retrieval with embeddings configured, on %s', (kind) => {
  it('when embeddings are configured, then retrieval uses pgvector if the database has it and falls back to full-text with a warning if not', async () => {
    const { handle, cleanup } = await openTestDb(kind);
    try {
      await seedCharacters(handle.db, testCharacters);
      const warnings: string[] = [];
      const logger = { info: () => {}, warn: (_o: object, msg: string) => void warnings.push(msg) };
      const service = new KnowledgeService(handle.db, {
        embeddings: new EmbeddingsClient({ baseUrl: fake.baseURL, apiKey: 'sk-emb', model: 'm' }),
        logger: logger as never,
      });
      fake.requests.length = 0;
      await service.addDocument('test-ada', {
        title: 'Engines',
        format: 'text',
        content: 'The steam engine in the shed has a brass governor.',
      });
      const [best] = await service.search(['test-ada'], 'tell me about the brass governor', 3);
      expect(best?.content).toContain('brass governor');
      if (await hasPgvector(handle.db)) {
        // pgvector here: passages and the query were embedded, and the ranks were fused.
        expect(fake.requests.length).toBeGreaterThanOrEqual(2);
        expect(warnings).toEqual([]);
      } else {
        // No pgvector on this database (as on PGlite 0.5 and Debian 12's PostgreSQL 15): full-text only, said once.
        expect(fake.requests).toEqual([]);
        expect(warnings).toEqual([
          'embeddings are configured but the database has no pgvector extension: knowledge retrieval uses full-text search only',
        ]);
      }
    } finally {
      await cleanup();
    }
  });
});
