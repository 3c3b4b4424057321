import { request } from 'node:http';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../../db/testing.ts';
import { LibraryImport } from '../../protocol/index.ts';
import { signUp, type SignedUp } from '../../test/support/auth.ts';
import { jsonBytes, ONE_INFLATE_STEP_BYTES, v1Card } from '../cards/testing.ts';
import { restartTestApi, send, startTestApi, type TestApi } from '../testing.ts';
import { errorOf, settled, uploadLibrary, zerosZip } from './library-import-testing.ts';

// The limits of a library upload: each is refused with a 4xx before a job starts, without the
// memory or the inflating the archive would take. How long a refusal takes is printed, not asserted
// (the machine is shared); what is asserted is what the refusal cost: bytes inflated, RSS growth.

const MiB = 1024 ** 2;
const INFLATED = 128 * MiB;

const env = {
  RATE_LIMIT_PER_MINUTE: '0',
  AUTH_RATE_LIMIT_PER_MINUTE: '0',
  LIBRARY_IMPORT_UPLOAD_LIMIT: '2mb',
  LIBRARY_IMPORT_MAX_CARDS: '5',
  LIBRARY_IMPORT_MAX_CARD_SIZE: '1mb',
  LIBRARY_IMPORT_MAX_UNCOMPRESSED: '3mb',
  LIBRARY_IMPORT_MAX_RUNNING: '1',
};

const cards = (n: number) =>
  zipSync(
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`c${i}.json`, jsonBytes({ ...v1Card(), name: `C${i}` })]),
    ),
  );

describe.each(dbKinds)('library import limits on %s', (kind) => {
  let api: TestApi;
  let alice: SignedUp;
  // Built before any measurement: each holds 128 MiB of zeros in ~130 KB.
  const honestBomb = zerosZip(INFLATED);
  const lyingBomb = zerosZip(INFLATED, 1000);

  beforeAll(async () => {
    api = await startTestApi(kind, env);
    alice = await signUp(api.url);
  });
  afterAll(async () => {
    await api?.stop();
  });

  /**
   * Status, library code and RSS growth of one refused upload; the fields of its `library upload
   * refused` log line (`inflatedBytes` for a bomb that lies); its time, to print.
   */
  async function refused(bytes: Uint8Array) {
    global.gc?.();
    const rss = process.memoryUsage().rss;
    const logged = api.logs.lines.length;
    const started = performance.now();
    const res = await uploadLibrary(api.url, alice.headers, [{ name: 'lib.zip', bytes }]);
    const ms = performance.now() - started;
    const grewBy = process.memoryUsage().rss - rss;
    const error = errorOf(res.body);
    const log = api.logs.records.slice(logged).find((r) => r.msg === 'library upload refused');
    return {
      status: res.status,
      code: error.code,
      details: error.details as Record<string, unknown>,
      log,
      ms,
      grewBy,
    };
  }

  it('when an entry declares 128 MiB of zeros (a zip bomb that admits it), then 413 before inflating', async () => {
    const r = await refused(honestBomb);
    // too_large comes from the sizes the central directory declares: refused before any inflating.
    expect(r).toMatchObject({
      status: 413,
      code: 'payload_too_large',
      details: { libraryCode: 'too_large' },
      log: { libraryCode: 'too_large' },
    });
    expect(r.grewBy).toBeLessThan(INFLATED / 4);
  });

  it('when one entry declares more than the card limit, then 413 card_too_large before inflating', async () => {
    const r = await refused(zipSync({ 'a.json': jsonBytes(v1Card()), 'big.png': new Uint8Array(MiB + 1) }));
    expect(r).toMatchObject({ status: 413, details: { libraryCode: 'card_too_large', limit: MiB } });
  });

  it('when an entry inflates past the size it declares (a zip bomb that lies), then 413 zip_bomb, memory bounded', async () => {
    const r = await refused(lyingBomb);
    expect(r).toMatchObject({ status: 413, code: 'payload_too_large', details: { libraryCode: 'zip_bomb' } });
    // Stopped at once: of its 128 MiB, the declared 1,000 bytes and at most one small inflate step.
    expect(r.log).toMatchObject({ libraryCode: 'zip_bomb', limit: 1000 });
    expect(r.log?.inflatedBytes).toBeGreaterThan(1000);
    expect(r.log?.inflatedBytes).toBeLessThanOrEqual(1000 + ONE_INFLATE_STEP_BYTES);
    expect(r.grewBy).toBeLessThan(INFLATED / 4);
    console.log(
      `zip bombs refused: lying bomb in ${r.ms.toFixed(0)} ms after ${String(r.log?.inflatedBytes)} bytes inflated, rss +${(r.grewBy / MiB).toFixed(1)} MiB`,
    );
  });

  it('when the cards inflate past the total limit together, then 413 too_large', async () => {
    const big = new Uint8Array(MiB - 100);
    const zip = zipSync({ 'a.json': big, 'b.json': big, 'c.json': big, 'd.json': big });
    const r = await refused(zip);
    expect(r).toMatchObject({ status: 413, details: { libraryCode: 'too_large' } });
  });

  it('when a ZIP holds more cards than LIBRARY_IMPORT_MAX_CARDS, then 400 too_many_cards', async () => {
    const r = await refused(cards(6));
    expect(r).toMatchObject({
      status: 400,
      code: 'invalid_library',
      details: { libraryCode: 'too_many_cards', limit: 5 },
    });
    const files = Array.from({ length: 6 }, (_, i) => ({ name: `c${i}.json`, bytes: jsonBytes(v1Card()) }));
    const many = await uploadLibrary(api.url, alice.headers, files);
    expect(many.status).toBe(400);
    expect(errorOf(many.body).code).toBe('invalid_library');
  });

  it('when the upload declares more than LIBRARY_IMPORT_UPLOAD_LIMIT, then 413 before the body is read', async () => {
    const answer = await new Promise<{ status: number; bodyEnded: boolean }>((resolve, reject) => {
      const req = request(`${api.url}/api/characters/library-imports`, {
        method: 'POST',
        headers: { ...alice.headers, 'content-type': 'application/zip', 'content-length': String(50 * MiB) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, bodyEnded: req.writableEnded });
        req.destroy();
      });
      req.on('error', reject);
      // Only the headers and 1 KiB are sent, and the request is never ended: an API that waited
      // for the 50 MiB it was promised would never answer.
      req.write(Buffer.alloc(1024));
    });
    expect(answer).toEqual({ status: 413, bodyEnded: false });
  });

  it('when files under the limit each add up past it together, then 413 and nothing is kept', async () => {
    const part = new Uint8Array(900 * 1024);
    const files = [0, 1, 2].map((i) => ({ name: `big${i}.json`, bytes: part }));
    const res = await uploadLibrary(api.url, alice.headers, files);
    expect(res.status).toBe(413);
    expect(errorOf(res.body)).toMatchObject({ code: 'payload_too_large', details: { limitBytes: 2 * MiB } });
  });

  it('when an upload is still arriving and another starts past LIBRARY_IMPORT_MAX_RUNNING, then 429', async () => {
    const boundary = 'slowboundary';
    const slow = request(`${api.url}/api/characters/library-imports`, {
      method: 'POST',
      headers: { ...alice.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
    });
    const answered = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      slow.on('error', reject);
    });
    slow.write(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.json"\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 200));
    const second = await uploadLibrary(api.url, alice.headers, [{ name: 'c.zip', bytes: cards(1) }]);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('5');
    slow.end(`${JSON.stringify(v1Card())}\r\n--${boundary}--\r\n`);
    expect(await answered).toBe(202);
    // The slot comes back when that job ends.
    for (let i = 0; i < 100; i++) {
      const next = await uploadLibrary(api.url, alice.headers, [{ name: 'c.zip', bytes: cards(1) }]);
      if (next.status === 202) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the import slot was never released');
  });

  // Last: it closes this file's API mid-job and reads the job through a second API.
  it('when the API stops while a job runs, then the job ends interrupted and keeps what it imported', async () => {
    const bob = await signUp(api.url);
    const files = Array.from({ length: 5 }, (_, i) => ({
      name: `lib${i}.zip`,
      bytes: zipSync({ [`c${i}.json`]: jsonBytes({ ...v1Card(), name: `Bob's ${i}` }) }),
    }));
    const res = await uploadLibrary(api.url, bob.headers, files);
    expect(res.status).toBe(202);
    const { id } = LibraryImport.parse(res.body);
    await api.close();
    const again = await restartTestApi(api);
    try {
      const job = await settled(again.url, bob.headers, id);
      // Five small cards may all be in before the stop lands; either way the job has ended.
      expect(['interrupted', 'done']).toContain(job.status);
      expect(job.counts.imported).toBe(job.processed);
      const mine = await send(again.url, '/api/characters?limit=100', { headers: bob.headers });
      const owned = (mine.body as { characters: { ownerId: string | null }[] }).characters.filter(
        (c) => c.ownerId === bob.user.id,
      );
      expect(owned).toHaveLength(job.counts.imported);
    } finally {
      await again.close();
    }
  });
});
