import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knowledgeChunks, knowledgeDocuments, knowledgeEntries } from '../../db/schema.ts';
import { dbKinds } from '../../db/testing.ts';
import {
  ImportCharacterResponse,
  KnowledgeDocument,
  KnowledgeOverview,
  KnowledgeSearchResponse,
  type Character,
  type KnowledgePassage,
} from '../../protocol/index.ts';
import { agentApiToken } from '../../protocol/internal.ts';
import { signUp, type SignedUp } from '../../test/support/auth.ts';
import { jsonBytes, v2Card } from '../cards/testing.ts';
import { KnowledgeService } from '../services/knowledge/service.ts';
import { createCharacter, insertSession, send, startTestApi, type TestApi } from '../testing.ts';

// A character's knowledge at the API: documents uploaded by the owner, split into passages and
// found again by full-text search; lorebook entries from an imported card; the agent's retrieval.

const SECRET = `knowledge-test-secret-${randomBytes(12).toString('hex')}`;

const harbourGuide = [
  '# Port Wren',
  'A fishing town on a cold northern coast.',
  '## The lighthouse',
  'The lighthouse keeper is Old Marta. She has kept the lamp lit every night since 1962 and feeds a one-eyed gull called Admiral.',
  '## The market',
  'Fish is sold on Tuesdays and Saturdays, and the best smoked herring comes from the Pellow family.',
].join('\n');

describe.each(dbKinds)('character knowledge against %s', (kind) => {
  let api: TestApi;
  let owner: SignedUp;
  let stranger: SignedUp;
  let secretive: Character;
  let open: Character;
  const agent = { authorization: `Bearer ${agentApiToken(SECRET)}` };

  const create = (who: SignedUp, name: string, visibility: 'private' | 'public') =>
    createCharacter(api.url, who, name, visibility);
  const upload = (id: string, body: string, type: string, who = owner, query = '') =>
    send(api.url, `/api/characters/${id}/knowledge${query}`, {
      method: 'POST',
      body,
      headers: { 'content-type': type, ...who.headers },
    });
  const search = async (id: string, q: string, headers: Record<string, string> = owner.headers) => {
    const res = await send(api.url, `/api/characters/${id}/knowledge/search?q=${encodeURIComponent(q)}`, {
      headers,
    });
    expect(res.status, res.text).toBe(200);
    return KnowledgeSearchResponse.parse(res.body).passages;
  };

  beforeAll(async () => {
    api = await startTestApi(kind, {
      LIVEKIT_API_KEY: 'testkey',
      LIVEKIT_API_SECRET: SECRET,
      KNOWLEDGE_UPLOAD_LIMIT: '8kb',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    owner = await signUp(api.url);
    stranger = await signUp(api.url);
    secretive = await create(owner, 'Keeper of Secrets', 'private');
    open = await create(owner, 'Open Book', 'public');
  });
  afterAll(async () => api?.stop());

  it('when the owner uploads Markdown, then it is listed with its passages and a question finds the right one', async () => {
    const res = await upload(secretive.id, harbourGuide, 'text/markdown');
    expect(res.status, res.text).toBe(201);
    const doc = KnowledgeDocument.parse(res.body);
    expect(doc).toMatchObject({ title: 'Port Wren', format: 'markdown', chunkCount: 3 });

    const listed = KnowledgeOverview.parse(
      (await send(api.url, `/api/characters/${secretive.id}/knowledge`, { headers: owner.headers })).body,
    );
    expect(listed).toEqual({ documents: [doc], lorebookEntries: 0 });
    expect(JSON.stringify(listed)).not.toContain('Old Marta');

    const [best] = await search(secretive.id, 'who keeps the lighthouse?');
    expect(best).toMatchObject({
      source: 'document',
      sourceId: doc.id,
      title: 'Port Wren',
      heading: 'Port Wren › The lighthouse',
      keyed: false,
    });
    expect(best!.content).toContain('Old Marta');
    expect(best!.score).toBeGreaterThan(0);
    expect((await search(secretive.id, 'where can I buy herring'))[0]!.heading).toBe(
      'Port Wren › The market',
    );
  });

  it('when text is sent raw or as JSON, then its title comes from ?title=, the JSON, or is Untitled', async () => {
    const titled = await upload(open.id, 'Plain words about kites.', 'text/plain', owner, '?title=Kites');
    expect(titled.body).toMatchObject({ title: 'Kites', format: 'text', chunkCount: 1 });
    const untitled = await upload(open.id, 'Nothing to name this by.', 'text/plain; charset=utf-8');
    expect(untitled.body).toMatchObject({ title: 'Untitled', format: 'text' });
    const json = await send(api.url, `/api/characters/${open.id}/knowledge`, {
      body: { title: 'Recipes', format: 'markdown', content: '## Soup\nLeek and potato soup.' },
      headers: owner.headers,
    });
    expect(json.status, json.text).toBe(201);
    expect(json.body).toMatchObject({ title: 'Recipes', format: 'markdown', chunkCount: 1 });
    // A public character's knowledge is searchable by anyone who can see it, signed in or not.
    expect((await search(open.id, 'soup', {}))[0]!.heading).toBe('Soup');
  });

  it('when someone else tries to write, then a private character is not found, a public one is forbidden, and anonymous is 401', async () => {
    expect((await upload(secretive.id, 'x', 'text/plain', stranger)).status).toBe(404);
    expect((await upload(open.id, 'x', 'text/plain', stranger)).status).toBe(403);
    const anonymous = await send(api.url, `/api/characters/${open.id}/knowledge`, {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(anonymous.status).toBe(401);
    const peek = await send(api.url, `/api/characters/${secretive.id}/knowledge/search?q=marta`, {
      headers: stranger.headers,
    });
    expect(peek.status).toBe(404);
    const docs = KnowledgeOverview.parse(
      (await send(api.url, `/api/characters/${open.id}/knowledge`, { headers: owner.headers })).body,
    ).documents;
    const del = await send(api.url, `/api/characters/${open.id}/knowledge/${docs[0]!.id}`, {
      method: 'DELETE',
      headers: stranger.headers,
    });
    expect(del.status).toBe(403);
  });

  it('when a document is too large or of another type, then it is refused with 413 or 415', async () => {
    const big = await upload(open.id, 'word '.repeat(3000), 'text/plain');
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: { code: 'payload_too_large' } });
    const pdf = await upload(open.id, '%PDF-1.4', 'application/pdf');
    expect(pdf.status).toBe(415);
    const blank = await upload(open.id, '   \n  ', 'text/plain');
    expect(blank.status).toBe(400);
  });

  it('when a document is deleted, then its passages are no longer found', async () => {
    const doc = KnowledgeDocument.parse(
      (await upload(open.id, 'The zeppelin hangar is on Pier 9.', 'text/plain')).body,
    );
    expect((await search(open.id, 'zeppelin')).map((p) => p.sourceId)).toContain(doc.id);
    const path = `/api/characters/${open.id}/knowledge/${doc.id}`;
    expect((await send(api.url, path, { method: 'DELETE', headers: owner.headers })).status).toBe(204);
    expect(await search(open.id, 'zeppelin')).toEqual([]);
    expect((await send(api.url, path, { method: 'DELETE', headers: owner.headers })).status).toBe(404);
    const chunks = await api.db.db
      .select()
      .from(knowledgeChunks)
      .where(eq(knowledgeChunks.documentId, doc.id));
    expect(chunks).toEqual([]);
  });

  it('when a card with a lorebook is imported, then its enabled entries are passages and a key in the question brings its entry first', async () => {
    const res = await send(api.url, '/api/characters/import', {
      body: Buffer.from(jsonBytes(v2Card())).toString('utf8'),
      headers: { 'content-type': 'application/json', ...owner.headers },
    });
    expect(res.status, res.text).toBe(201);
    const { character } = ImportCharacterResponse.parse(res.body);
    expect(
      KnowledgeOverview.parse(
        (await send(api.url, `/api/characters/${character.id}/knowledge`, { headers: owner.headers })).body,
      ).lorebookEntries,
    ).toBe(2);
    // Written with the import, not on first search.
    expect(
      await api.db.db.select().from(knowledgeChunks).where(eq(knowledgeChunks.characterId, character.id)),
    ).toHaveLength(2);
    await upload(character.id, 'Passengers pay in advance. The airship ferry leaves at noon.', 'text/plain');
    const passages = await search(character.id, 'is the airship safe to fly?');
    expect(passages[0]).toMatchObject({ source: 'lorebook', keyed: true });
    expect(passages[0]!.content).toContain('patched balloon');
    expect(passages.some((p) => p.source === 'document')).toBe(true);
    // Vell's entry is disabled: its key brings nothing.
    expect(
      (await search(character.id, 'who is Vell')).filter((p) => p.content.includes('quartermaster')),
    ).toEqual([]);
    // Keys match whole words only.
    expect((await search(character.id, 'airshipping')).filter((p) => p.keyed)).toEqual([]);
  });

  it('when lorebook entries were stored before passages existed, then the first search makes them searchable', async () => {
    const legacy = await create(owner, 'Old Lore', 'private');
    await api.db.db.insert(knowledgeEntries).values({
      characterId: legacy.id,
      keys: ['Grimsby'],
      content: 'Grimsby is the name of the old ferry.',
    });
    const [found] = await search(legacy.id, 'tell me about grimsby');
    expect(found).toMatchObject({
      source: 'lorebook',
      keyed: true,
      content: 'Grimsby is the name of the old ferry.',
    });
  });

  it('when a character is deleted, then its documents, entries and passages go with it', async () => {
    const doomed = await create(owner, 'Short Lived', 'private');
    await upload(doomed.id, harbourGuide, 'text/markdown');
    await api.db.db
      .insert(knowledgeEntries)
      .values({ characterId: doomed.id, keys: ['x'], content: 'An entry.' });
    await search(doomed.id, 'entry');
    const del = await send(api.url, `/api/characters/${doomed.id}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    expect(del.status).toBe(204);
    for (const table of [knowledgeDocuments, knowledgeEntries, knowledgeChunks])
      expect(await api.db.db.select().from(table).where(eq(table.characterId, doomed.id))).toEqual([]);
  });

  it('when the query is any text at all, then search never fails', async () => {
    const service = new KnowledgeService(api.db.db);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (q) => {
        const passages = await service.search([secretive.id, open.id], q, 5);
        expect(passages.length).toBeLessThanOrEqual(5);
      }),
      { numRuns: 150 },
    );
    for (const q of [
      "'",
      '!!',
      'a & | b',
      ':*',
      '(((',
      '<->',
      'the a of',
      '\u0000x',
      'Marta:* & !lighthouse',
    ]) {
      const res = await send(
        api.url,
        `/api/characters/${secretive.id}/knowledge/search?q=${encodeURIComponent(q)}`,
        {
          headers: owner.headers,
        },
      );
      expect(res.status, `${q}: ${res.text}`).toBe(200);
    }
  });

  it("when the agent asks for a session's knowledge, then it gets passages of the session's character only", async () => {
    await api.db.db.insert(knowledgeEntries).values({
      characterId: 'test-ada',
      keys: ['engine'],
      content: 'Ada rebuilt a Stirling engine last spring.',
    });
    const session = await insertSession(api.db.db, owner.user.id);
    const ask = (body: unknown, headers = agent) =>
      send(api.url, `/api/internal/sessions/${session.id}/knowledge`, { body, headers });
    // Only test-ada's knowledge: nothing from the owner's other characters leaks into her session.
    const res = await ask({ query: 'who keeps the lighthouse' });
    expect(res.status, res.text).toBe(200);
    expect(KnowledgeSearchResponse.parse(res.body).passages).toEqual([]);
    expect((await ask({ query: 'lighthouse', characterId: secretive.id })).status).toBe(404);
    expect((await ask({ query: 'lighthouse' }, owner.headers)).status).toBe(401);

    const withKnowledge = await ask({
      query: 'Tell me about your engine',
      characterId: 'test-ada',
      limit: 3,
    });
    const passages: KnowledgePassage[] = KnowledgeSearchResponse.parse(withKnowledge.body).passages;
    expect(passages.map((p) => p.content)).toEqual(['Ada rebuilt a Stirling engine last spring.']);
  });
});
