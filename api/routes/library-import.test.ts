import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { libraryImports } from '../../db/schema.ts';
import { dbKinds } from '../../db/testing.ts';
import { LibraryImport, type Character } from '../../protocol/index.ts';
import { signUp, type SignedUp } from '../../test/support/auth.ts';
import { jsonBytes, pngCard, v1Card, v2Card, v3Card } from '../cards/testing.ts';
import { restartTestApi, send, startTestApi, type TestApi } from '../testing.ts';
import {
  errorOf,
  importLibrary,
  mixedLibrary,
  mixedLibraryOutcomes,
  outcomes,
  settled,
  uploadLibrary,
} from './library-import-testing.ts';

// Library imports through the API: one job per upload, each card imported, a duplicate of a card
// the account already has, or rejected with its reason; progress in the database for any replica.

describe.each(dbKinds)('library imports on %s', (kind) => {
  let api: TestApi;
  let alice: SignedUp;
  let bob: SignedUp;

  beforeAll(async () => {
    api = await startTestApi(kind, { RATE_LIMIT_PER_MINUTE: '0', AUTH_RATE_LIMIT_PER_MINUTE: '0' });
    [alice, bob] = await Promise.all([signUp(api.url), signUp(api.url)]);
  });
  afterAll(async () => {
    await api?.stop();
  });

  const fresh = () => signUp(api.url);

  it('when a ZIP library holds good, broken and repeated cards, then each card gets its own outcome', async () => {
    const carol = await fresh();
    const job = await importLibrary(api.url, carol.headers, [{ name: 'lib.zip', bytes: mixedLibrary() }]);
    expect(job).toMatchObject({
      status: 'done',
      total: 8,
      processed: 8,
      counts: { imported: 4, duplicate: 1, rejected: 3 },
      ignored: 1,
      resultsFrom: 0,
    });
    expect(job.finishedAt).not.toBeNull();
    expect(outcomes(job)).toEqual(mixedLibraryOutcomes);
    const byFile = new Map(job.results.map((r) => [r.file, r]));
    expect(byFile.get('lib.zip/cards/oro.png')).toMatchObject({ name: 'Captain Oro' });
    // The copy points at the character made from the first one.
    expect(byFile.get('lib.zip/cards/oro-again.json')?.characterId).toBe(
      byFile.get('lib.zip/cards/oro.png')?.characterId,
    );
    expect(byFile.get('lib.zip/cards/broken.json')?.reason).toMatch(/not valid JSON/);

    const mine = await send(api.url, '/api/characters?limit=100', { headers: carol.headers });
    const names = (mine.body as { characters: Character[] }).characters
      .filter((c) => c.ownerId === carol.user.id)
      .map((c) => c.name)
      .sort();
    expect(names).toEqual(['Captain Oro', 'Mira', 'Professor Lune', 'Professor Lune']);
  });

  it('when the same library is imported again, then every good card is a duplicate of the first import', async () => {
    const dave = await fresh();
    const first = await importLibrary(api.url, dave.headers, [{ name: 'lib.zip', bytes: mixedLibrary() }]);
    const again = await importLibrary(api.url, dave.headers, [{ name: 'lib.zip', bytes: mixedLibrary() }]);
    expect(again.counts).toEqual({ imported: 0, duplicate: 5, rejected: 3 });
    const firstIds = first.results.map((r) => r.characterId);
    expect(again.results.map((r) => r.characterId)).toEqual(firstIds);
  });

  it('when several files come at once, then libraries and single cards are imported as one job', async () => {
    const erin = await fresh();
    const files = [
      { name: 'one.zip', bytes: zipSync({ 'mira.json': jsonBytes(v1Card()) }) },
      { name: 'oro.png', bytes: pngCard(v2Card()) },
      {
        name: 'two.zip',
        bytes: zipSync({ 'lune.json': jsonBytes(v3Card()), 'oro.json': jsonBytes(v2Card()) }),
      },
      { name: 'notes.txt', bytes: new TextEncoder().encode('not a card') },
    ];
    const job = await importLibrary(api.url, erin.headers, files);
    expect(outcomes(job)).toEqual({
      'one.zip/mira.json': 'imported',
      'oro.png': 'imported',
      'two.zip/lune.json': 'imported',
      'two.zip/oro.json': 'duplicate',
      'notes.txt': 'rejected unsupported_format',
    });
    expect(job.total).toBe(5);
  });

  it('when a card was imported on its own first, then the library import finds it a duplicate', async () => {
    const fay = await fresh();
    const single = await fetch(`${api.url}/api/characters/import`, {
      method: 'POST',
      headers: { ...fay.headers, 'content-type': 'image/png' },
      body: Buffer.from(pngCard(v2Card())),
    });
    expect(single.status).toBe(201);
    const { character } = (await single.json()) as { character: Character };
    const job = await importLibrary(api.url, fay.headers, [
      { name: 'lib.zip', bytes: zipSync({ 'oro.json': jsonBytes(v2Card()) }) },
    ]);
    expect(job.results).toEqual([
      {
        file: 'lib.zip/oro.json',
        name: 'Captain Oro',
        outcome: 'duplicate',
        reason: 'already imported',
        characterId: character.id,
      },
    ]);
  });

  it('when one card holds a NUL in its text (which Postgres cannot store), then only that card is rejected', async () => {
    const hal = await fresh();
    const nul = { ...v1Card(), name: 'Nul', description: 'before\u0000after' };
    const job = await importLibrary(api.url, hal.headers, [
      { name: 'lib.zip', bytes: zipSync({ 'nul.json': jsonBytes(nul), 'mira.json': jsonBytes(v1Card()) }) },
    ]);
    expect(job.status).toBe('done');
    expect(outcomes(job)).toEqual({
      'lib.zip/nul.json': 'rejected bad_text',
      'lib.zip/mira.json': 'imported',
    });
  });

  it('when a ZIP library is the raw body, then it is imported like a multipart one', async () => {
    const gus = await fresh();
    const res = await fetch(`${api.url}/api/characters/library-imports`, {
      method: 'POST',
      headers: { ...gus.headers, 'content-type': 'application/zip' },
      body: Buffer.from(zipSync({ 'mira.json': jsonBytes(v1Card()) })),
    });
    expect(res.status).toBe(202);
    const job = await settled(api.url, gus.headers, LibraryImport.parse(await res.json()).id);
    expect(outcomes(job)).toEqual({ 'library.zip/mira.json': 'imported' });
  });

  it('when another account asks for a job, then it is a 404, as is an unknown or malformed id', async () => {
    const job = await importLibrary(api.url, alice.headers, [
      { name: 'lib.zip', bytes: zipSync({ 'mira.json': jsonBytes(v1Card()) }) },
    ]);
    for (const [path, headers] of [
      [`/api/characters/library-imports/${job.id}`, bob.headers],
      [`/api/characters/library-imports/${randomUUID()}`, alice.headers],
      ['/api/characters/library-imports/not-a-uuid', alice.headers],
    ] as const) {
      const res = await send(api.url, path, { headers });
      expect(res.status, path).toBe(404);
      expect(errorOf(res.body).code).toBe('not_found');
    }
    expect((await send(api.url, `/api/characters/library-imports/${job.id}`)).status).toBe(401);
  });

  it('when a poller asks from an index, then it gets only the results from there on', async () => {
    const job = await importLibrary(api.url, alice.headers, [{ name: 'lib.zip', bytes: mixedLibrary() }]);
    const res = await send(api.url, `/api/characters/library-imports/${job.id}?from=6`, {
      headers: alice.headers,
    });
    const page = LibraryImport.parse(res.body);
    expect(page.resultsFrom).toBe(6);
    expect(page.results).toEqual(job.results.slice(6));
    const past = await send(api.url, `/api/characters/library-imports/${job.id}?from=50`, {
      headers: alice.headers,
    });
    expect(LibraryImport.parse(past.body).results).toEqual([]);
    const bad = await send(api.url, `/api/characters/library-imports/${job.id}?from=-1`, {
      headers: alice.headers,
    });
    expect(bad.status).toBe(400);
  });

  it('when the upload is not multipart or a ZIP, or has no files, or nobody signed in, then 415, 400, 401', async () => {
    const text = await fetch(`${api.url}/api/characters/library-imports`, {
      method: 'POST',
      headers: { ...alice.headers, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(415);
    const wrongField = await uploadLibrary(
      api.url,
      alice.headers,
      [{ name: 'a.json', bytes: jsonBytes(v1Card()) }],
      'card',
    );
    expect(wrongField.status).toBe(400);
    expect(errorOf(wrongField.body).code).toBe('bad_request');
    const none = await uploadLibrary(api.url, alice.headers, []);
    expect(none.status).toBe(400);
    const anonymous = await uploadLibrary(api.url, {}, [{ name: 'a.json', bytes: jsonBytes(v1Card()) }]);
    expect(anonymous.status).toBe(401);
  });

  it('when a ZIP library is broken or holds no card, then 400 invalid_library with its code', async () => {
    const cut = zipSync({ 'mira.json': jsonBytes(v1Card()) }).subarray(0, 40);
    const broken = await uploadLibrary(api.url, alice.headers, [{ name: 'lib.zip', bytes: cut }]);
    expect(broken.status).toBe(400);
    expect(errorOf(broken.body)).toMatchObject({
      code: 'invalid_library',
      details: { libraryCode: 'bad_zip' },
    });
    const empty = zipSync({ 'README.md': new TextEncoder().encode('no cards') });
    const none = await uploadLibrary(api.url, alice.headers, [{ name: 'lib.zip', bytes: empty }]);
    expect(errorOf(none.body)).toMatchObject({
      code: 'invalid_library',
      details: { libraryCode: 'no_cards' },
    });
  });

  it('when a running job stops writing its heartbeat, then a poller sees it interrupted', async () => {
    const owner = await fresh();
    const id = randomUUID();
    await api.db.db.insert(libraryImports).values({
      id,
      ownerId: owner.user.id,
      total: 3,
      heartbeatAt: new Date(Date.now() - 3_600_000),
    });
    const res = await send(api.url, `/api/characters/library-imports/${id}`, { headers: owner.headers });
    expect(LibraryImport.parse(res.body).status).toBe('interrupted');
  });

  // Last: it stops this file's API and starts another on the same database (PGlite has one owner).
  it('when a job was left running by a process that died, then the next start marks it interrupted', async () => {
    const owner = await fresh();
    const dead = randomUUID();
    const live = randomUUID();
    const longAgo = new Date(Date.now() - 3_600_000);
    await api.db.db.insert(libraryImports).values([
      { id: dead, ownerId: owner.user.id, total: 10, processed: 4, imported: 4, heartbeatAt: longAgo },
      // Another replica's job, still beating: a restart elsewhere must leave it alone.
      { id: live, ownerId: owner.user.id, total: 10, processed: 2, imported: 2 },
    ]);
    await api.close();
    const again = await restartTestApi(api);
    try {
      const res = await send(again.url, `/api/characters/library-imports/${dead}`, {
        headers: owner.headers,
      });
      expect(LibraryImport.parse(res.body)).toMatchObject({
        status: 'interrupted',
        processed: 4,
        counts: { imported: 4, duplicate: 0, rejected: 0 },
      });
      expect(LibraryImport.parse(res.body).finishedAt).not.toBeNull();
      const [row] = await again.db.db.select().from(libraryImports).where(eq(libraryImports.id, live));
      expect(row?.status).toBe('running');
    } finally {
      await again.close();
    }
  });
});
