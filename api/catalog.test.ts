import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  characterAvatars,
  knowledgeChunks,
  knowledgeDocuments,
  knowledgeEntries,
  sessionCharacters,
} from '../db/schema.ts';
import { dbKinds } from '../db/testing.ts';
import { Character, CharacterPage, ErrorBody } from '../protocol/index.ts';
import type { SignedUp } from '../test/support/auth.ts';
import { characterInput, insertSession, send, startTestApiWithOperator, type TestApi } from './testing.ts';

const OPERATOR = { email: 'catalog-operator@example.test', password: 'operator-password-9' };

describe.each(dbKinds)('character catalog against %s', (kind) => {
  let api: TestApi;
  let ann: SignedUp;
  let ben: SignedUp;
  let operator: SignedUp;
  /** Ann's characters by name. */
  const made = new Map<string, Character>();

  async function create(
    who: SignedUp,
    name: string,
    extra: Record<string, unknown> = {},
  ): Promise<Character> {
    const res = await send(api.url, '/api/characters', {
      body: { ...characterInput(name), ...extra },
      headers: who.headers,
    });
    expect(res.status, res.text).toBe(201);
    return Character.parse(res.body);
  }

  async function list(query: string, who?: SignedUp): Promise<CharacterPage> {
    const res = await send(api.url, `/api/characters${query}`, who ? { headers: who.headers } : {});
    expect(res.status, res.text).toBe(200);
    return CharacterPage.parse(res.body);
  }
  const ids = (page: CharacterPage) => page.characters.map((c) => c.id);
  const names = (page: CharacterPage) => page.characters.map((c) => c.name);

  beforeAll(async () => {
    ({ api, ann, ben, operator } = await startTestApiWithOperator(kind, OPERATOR));
    // Created one after another, so that `newest` has a known order.
    made.set('Cleo', await create(ann, 'Cleo', { visibility: 'public', tags: ['pirate', 'sea'] }));
    made.set('Dora', await create(ann, 'Dora', { description: 'Knows 100% of the harbour_master lore.' }));
    made.set(
      'Eve',
      await create(ann, 'Eve', { visibility: 'public', tags: ['Sea'], tagline: 'A SAILOR at heart' }),
    );
    made.set('Finn', await create(ben, 'Finn', { tags: ['pirate'] }));
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('when no parameter is given, then the page lists what the caller may see, built-ins first, with a total and no next page', async () => {
    const anonymous = await list('');
    expect(names(anonymous)).toEqual(['Ada Test', 'Bob Test', 'Cleo', 'Eve']);
    expect(anonymous).toMatchObject({ total: 4, nextCursor: null });
    expect(names(await list('', ann))).toEqual(['Ada Test', 'Bob Test', 'Cleo', 'Dora', 'Eve']);
    expect((await list('', operator)).total).toBe(6);
  });

  it('when q is given, then name, tagline, description and tags are searched without regard to case', async () => {
    expect(names(await list('?q=cleo', ann))).toEqual(['Cleo']);
    expect(names(await list('?q=sailor', ann))).toEqual(['Eve']);
    expect(names(await list('?q=HARBOUR', ann))).toEqual(['Dora']);
    expect(names(await list('?q=pirat', ann))).toEqual(['Cleo']);
    expect(names(await list('?q=boats', ann))).toEqual(['Bob Test']);
  });

  it('when q holds LIKE wildcards, then they match only themselves', async () => {
    expect(names(await list(`?q=${encodeURIComponent('100%')}`, ann))).toEqual(['Dora']);
    expect(names(await list(`?q=${encodeURIComponent('r_m')}`, ann))).toEqual(['Dora']);
    expect((await list(`?q=${encodeURIComponent('%')}`, ann)).total).toBe(1);
    expect((await list(`?q=${encodeURIComponent('_')}`, ann)).total).toBe(1);
    expect((await list(`?q=${encodeURIComponent('\\')}`, ann)).total).toBe(0);
  });

  it('when tag is repeated, then only characters with every tag are listed, whatever the case', async () => {
    expect(names(await list('?tag=SEA', ann))).toEqual(['Cleo', 'Eve']);
    expect(names(await list('?tag=sea&tag=pirate', ann))).toEqual(['Cleo']);
    expect(names(await list('?tag=pirate', operator))).toEqual(['Cleo', 'Finn']);
  });

  it('when scope is given, then mine, builtin and public list those only, and mine needs sign-in', async () => {
    expect(names(await list('?scope=mine', ann))).toEqual(['Cleo', 'Dora', 'Eve']);
    expect(names(await list('?scope=mine', ben))).toEqual(['Finn']);
    expect(names(await list('?scope=builtin', ben))).toEqual(['Ada Test']);
    expect(names(await list('?scope=public', ben))).toEqual(['Bob Test', 'Cleo', 'Eve']);
    const anonymous = await send(api.url, '/api/characters?scope=mine');
    expect(anonymous.status).toBe(401);
  });

  it('when pages are walked with a small limit in each sort, then every character comes once in order', async () => {
    for (const sort of ['', 'name', 'newest', 'popular']) {
      const whole = await list(`?limit=100${sort ? `&sort=${sort}` : ''}`, operator);
      const walked: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=2${sort ? `&sort=${sort}` : ''}${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await list(query, operator);
        expect(page.characters.length).toBeLessThanOrEqual(2);
        expect(page.total).toBe(6);
        walked.push(...ids(page));
        cursor = page.nextCursor;
      } while (cursor);
      expect(walked, sort).toEqual(ids(whole));
    }
    expect(names(await list('?sort=name', operator))).toEqual([
      'Ada Test',
      'Bob Test',
      'Cleo',
      'Dora',
      'Eve',
      'Finn',
    ]);
    expect(names(await list('?sort=newest&scope=mine', ann))).toEqual(['Eve', 'Dora', 'Cleo']);
  });

  it('when sorted by popularity, then the characters with most sessions come first', async () => {
    const dora = made.get('Dora')!;
    const eve = made.get('Eve')!;
    for (const [characterId, count] of [
      [dora.id, 2],
      [eve.id, 1],
    ] as const)
      for (let i = 0; i < count; i++) {
        const s = await insertSession(api.db.db, ann.user.id);
        await api.db.db.insert(sessionCharacters).values({ sessionId: s.id, characterId, position: 1 });
      }
    // insertSession's own session_characters rows (if any) name test-ada.
    const page = await list('?sort=popular&scope=mine', ann);
    expect(names(page)).toEqual(['Dora', 'Eve', 'Cleo']);
  });

  it('when a character is added between two pages of the newest, then no character repeats or goes missing', async () => {
    const first = await list('?sort=newest&scope=mine&limit=2', ann);
    await create(ann, 'Gus');
    const second = await list(`?sort=newest&scope=mine&limit=2&cursor=${first.nextCursor}`, ann);
    expect([...names(first), ...names(second)]).toEqual(['Eve', 'Dora', 'Cleo']);
    expect(second.nextCursor).toBeNull();
  });

  it.each([
    ['an unknown parameter', '?sortt=name', /unknown query parameter: sortt/],
    ['two unknown parameters', '?a=1&b=2', /unknown query parameters: a, b/],
    ['a limit of 0', '?limit=0', /invalid query parameter: limit/],
    ['a limit of 101', '?limit=101', /limit/],
    ['a limit that is not a number', '?limit=ten', /limit/],
    ['an unknown sort', '?sort=best', /sort/],
    ['an unknown scope', '?scope=friends', /scope/],
    ['q given twice', '?q=a&q=b', /q/],
    ['an empty q', '?q=', /q/],
    ['a cursor that is not one', '?cursor=abc', /cursor/],
    [
      'a forged cursor',
      `?sort=popular&cursor=${Buffer.from('["popular","1; drop","x"]').toString('base64url')}`,
      /cursor/,
    ],
    ['a cursor of another sort', '', /cursor/],
  ])('when the query has %s, then it is a 400 naming it', async (what, query, message) => {
    let path = `/api/characters${query}`;
    if (what === 'a cursor of another sort') {
      const page = await list('?sort=name&limit=1', ann);
      path = `/api/characters?sort=newest&cursor=${page.nextCursor}`;
    }
    const res = await send(api.url, path, { headers: ann.headers });
    expect(res.status, res.text).toBe(400);
    expect(ErrorBody.parse(res.body).error.message).toMatch(message);
  });

  it('when the owner publishes and unpublishes, then others see the character only while it is public', async () => {
    const dora = made.get('Dora')!;
    expect((await send(api.url, `/api/characters/${dora.id}`, { headers: ben.headers })).status).toBe(404);
    const published = await send(api.url, `/api/characters/${dora.id}/publish`, {
      method: 'POST',
      headers: ann.headers,
    });
    expect(published.status, published.text).toBe(200);
    expect(Character.parse(published.body).visibility).toBe('public');
    expect(names(await list('?scope=public', ben))).toContain('Dora');
    // Someone else may see it now, but not unpublish it.
    const denied = await send(api.url, `/api/characters/${dora.id}/unpublish`, {
      method: 'POST',
      headers: ben.headers,
    });
    expect(denied.status).toBe(403);
    const unpublished = await send(api.url, `/api/characters/${dora.id}/unpublish`, {
      method: 'POST',
      headers: ann.headers,
      body: {},
    });
    expect(Character.parse(unpublished.body).visibility).toBe('private');
    expect(names(await list('?scope=public', ben))).not.toContain('Dora');
  });

  it('when an operator unpublishes, or someone publishes what they may not, then the rules of access.ts hold', async () => {
    const eve = made.get('Eve')!;
    const finn = made.get('Finn')!;
    const byOperator = await send(api.url, `/api/characters/${eve.id}/unpublish`, {
      method: 'POST',
      headers: operator.headers,
    });
    expect(Character.parse(byOperator.body).visibility).toBe('private');
    await send(api.url, `/api/characters/${eve.id}/publish`, { method: 'POST', headers: operator.headers });
    expect(
      (await send(api.url, `/api/characters/${finn.id}/publish`, { method: 'POST', headers: ann.headers }))
        .status,
    ).toBe(404);
    expect(
      (
        await send(api.url, '/api/characters/test-ada/unpublish', {
          method: 'POST',
          headers: operator.headers,
        })
      ).status,
    ).toBe(403);
    expect((await send(api.url, `/api/characters/${finn.id}/publish`, { method: 'POST' })).status).toBe(401);
    const withBody = await send(api.url, `/api/characters/${finn.id}/publish`, {
      body: { x: 1 },
      headers: ben.headers,
    });
    expect(withBody.status).toBe(400);
  });

  it('when a public character with knowledge and an avatar is cloned, then the copy is private, owned by the caller, and carries all of it', async () => {
    const cleo = made.get('Cleo')!;
    const db = api.db.db;
    const [entry] = await db
      .insert(knowledgeEntries)
      .values({ characterId: cleo.id, keys: ['ship'], content: 'Cleo sails the Wren.', name: 'ship' })
      .returning();
    const [doc] = await db
      .insert(knowledgeDocuments)
      .values({ characterId: cleo.id, title: 'Log', format: 'markdown', content: '# Log\nStorms.' })
      .returning();
    await db.insert(knowledgeChunks).values([
      { characterId: cleo.id, documentId: doc!.id, ordinal: 0, heading: 'Log', content: 'Storms.' },
      { characterId: cleo.id, entryId: entry!.id, ordinal: 0, content: 'Cleo sails the Wren.' },
    ]);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    await db.insert(characterAvatars).values({ characterId: cleo.id, contentType: 'image/png', data: png });

    const res = await send(api.url, `/api/characters/${cleo.id}/clone`, {
      body: { name: 'Cleo Two' },
      headers: ben.headers,
    });
    expect(res.status, res.text).toBe(201);
    const copy = Character.parse(res.body);
    expect(copy).toMatchObject({
      name: 'Cleo Two',
      ownerId: ben.user.id,
      visibility: 'private',
      builtIn: false,
      tags: cleo.tags,
      voice: cleo.voice,
      persona: cleo.persona,
      tagline: cleo.tagline,
    });
    expect(copy.id).not.toBe(cleo.id);
    const entries = await db.select().from(knowledgeEntries).where(eq(knowledgeEntries.characterId, copy.id));
    expect(entries.map((e) => e.content)).toEqual(['Cleo sails the Wren.']);
    const docs = await db
      .select()
      .from(knowledgeDocuments)
      .where(eq(knowledgeDocuments.characterId, copy.id));
    expect(docs.map((d) => d.title)).toEqual(['Log']);
    const chunks = await db.select().from(knowledgeChunks).where(eq(knowledgeChunks.characterId, copy.id));
    expect(chunks).toHaveLength(2);
    // The copies point at the copied document and entry, never at the original's.
    expect(chunks.map((c) => c.documentId ?? c.entryId).sort()).toEqual([docs[0]!.id, entries[0]!.id].sort());
    const [avatar] = await db
      .select()
      .from(characterAvatars)
      .where(eq(characterAvatars.characterId, copy.id));
    expect(avatar?.data.equals(png)).toBe(true);
    expect(names(await list('?scope=mine', ben))).toContain('Cleo Two');
    // The original is untouched.
    expect(
      await db.select().from(knowledgeChunks).where(eq(knowledgeChunks.characterId, cleo.id)),
    ).toHaveLength(2);
  });

  it('when a built-in or one’s own character is cloned without a name, then the copy keeps the name; another’s private one is not found', async () => {
    const builtIn = await send(api.url, '/api/characters/test-ada/clone', {
      method: 'POST',
      headers: ben.headers,
    });
    expect(builtIn.status, builtIn.text).toBe(201);
    expect(Character.parse(builtIn.body)).toMatchObject({
      name: 'Ada Test',
      ownerId: ben.user.id,
      builtIn: false,
    });
    const own = await send(api.url, `/api/characters/${made.get('Finn')!.id}/clone`, {
      body: {},
      headers: ben.headers,
    });
    expect(own.status).toBe(201);
    const hidden = await send(api.url, `/api/characters/${made.get('Dora')!.id}/clone`, {
      method: 'POST',
      headers: ben.headers,
    });
    expect(hidden.status).toBe(404);
    expect((await send(api.url, '/api/characters/test-ada/clone', { method: 'POST' })).status).toBe(401);
    const badName = await send(api.url, '/api/characters/test-ada/clone', {
      body: { name: '' },
      headers: ben.headers,
    });
    expect(badName.status).toBe(400);
  });
});
