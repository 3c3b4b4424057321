import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import { AvatarUploadResponse, Character, ErrorBody, ImportCharacterResponse } from '../protocol/index.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { jpegHeaderOf, pngOf, webpHeaderOf } from '../test/support/images.ts';
import { pngCard, plainChunks, v2Card } from './cards/testing.ts';
import { probeImage } from './services/image-probe.ts';
import { characterInput, send, startTestApi, type TestApi } from './testing.ts';

// Avatar uploads: checked by their bytes, served with safe headers, and carried through card
// import and PNG export.

const LIMIT = 8 * 1024;

describe.each(dbKinds)('character avatars on %s', (kind) => {
  let api: TestApi;
  let alice: SignedUp;
  let bob: SignedUp;

  beforeAll(async () => {
    api = await startTestApi(kind, { AVATAR_UPLOAD_LIMIT: String(LIMIT) });
    [alice, bob] = await Promise.all([signUp(api.url), signUp(api.url)]);
  });
  afterAll(async () => {
    await api?.stop();
  });

  const create = async (owner = alice, visibility: 'private' | 'public' = 'private') => {
    const res = await send(api.url, '/api/characters', {
      body: characterInput('Avatar Owner', visibility),
      headers: owner.headers,
    });
    expect(res.status, res.text).toBe(201);
    return Character.parse(res.body);
  };
  const put = (
    id: string,
    body: Uint8Array,
    contentType: string,
    headers: Record<string, string> = alice.headers,
  ) =>
    fetch(`${api.url}/api/characters/${id}/avatar`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': contentType },
      body: Buffer.from(body),
    });
  const get = (path: string, headers: Record<string, string> = alice.headers) =>
    fetch(`${api.url}${path}`, { headers, redirect: 'manual' });

  it('when the owner uploads a PNG, then it is served with its type, nosniff and an ETag, and avatarUrl points at it', async () => {
    const c = await create();
    const image = pngOf(32, 24);
    const res = await put(c.id, image, 'image/png');
    expect(res.status).toBe(200);
    const stored = AvatarUploadResponse.parse(await res.json());
    expect(stored).toMatchObject({ contentType: 'image/png', width: 32, height: 24, bytes: image.length });
    expect(stored.avatarUrl).toMatch(new RegExp(`^/api/characters/${c.id}/avatar\\?v=\\w+$`));

    const character = Character.parse(
      (await send(api.url, `/api/characters/${c.id}`, { headers: alice.headers })).body,
    );
    expect(character.avatarUrl).toBe(stored.avatarUrl);

    const served = await get(stored.avatarUrl);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('cache-control')).toMatch(/^private, max-age=\d+, immutable$/);
    expect(Buffer.from(await served.arrayBuffer()).equals(image)).toBe(true);
    const etag = served.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await get(`/api/characters/${c.id}/avatar`, {
      ...alice.headers,
      'if-none-match': etag,
      // fetch adds `cache-control: no-cache` to a conditional request unless told otherwise, as a
      // browser's own revalidation would not.
      'cache-control': 'max-age=0',
    });
    expect(again.status).toBe(304);
  });

  it('when JPEG and WebP images are uploaded, then each is stored as its own type', async () => {
    const c = await create();
    for (const [bytes, type] of [
      [jpegHeaderOf(100, 80), 'image/jpeg'],
      [webpHeaderOf(120, 90), 'image/webp'],
    ] as const) {
      const res = await put(c.id, bytes, type);
      expect(res.status).toBe(200);
      const served = await get(`/api/characters/${c.id}/avatar`);
      expect(served.headers.get('content-type')).toBe(type);
    }
  });

  it('when the bytes are not the type they were sent as, then the answer is a 400 naming both', async () => {
    const c = await create();
    const res = await put(c.id, pngOf(8, 8), 'image/jpeg');
    expect(res.status).toBe(400);
    const body = ErrorBody.parse(await res.json());
    expect(body.error.message).toMatch(/image\/jpeg.*image\/png/);
    expect(body.error.details).toEqual({ reason: 'type_mismatch' });
  });

  it('when the body is an SVG sent as a PNG, then it is refused as no image', async () => {
    const c = await create();
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    const res = await put(c.id, svg, 'image/png');
    expect(res.status).toBe(400);
    expect(ErrorBody.parse(await res.json()).error.details).toEqual({ reason: 'not_an_image' });
  });

  it('when an image is larger than 4096×4096, then it is refused before it is stored', async () => {
    const c = await create();
    const res = await put(c.id, jpegHeaderOf(5000, 100), 'image/jpeg');
    expect(res.status).toBe(400);
    expect(ErrorBody.parse(await res.json()).error.message).toMatch(/5000×100/);
    expect((await get(`/api/characters/${c.id}/avatar`)).status).toBe(302);
  });

  it('when the image is over AVATAR_UPLOAD_LIMIT, then the answer is 413; other media types are 415', async () => {
    const c = await create();
    const big = await put(
      c.id,
      pngOf(200, 200, [1, 2, 3]).length > LIMIT ? pngOf(200, 200) : new Uint8Array(LIMIT + 1),
      'image/png',
    );
    expect(big.status).toBe(413);
    expect(ErrorBody.parse(await big.json()).error.code).toBe('payload_too_large');
    const gif = await put(c.id, new TextEncoder().encode('GIF89a'), 'image/gif');
    expect(gif.status).toBe(415);
  });

  it('when someone else uploads, then a private character is a 404 and a built-in one a 403', async () => {
    const c = await create();
    expect((await put(c.id, pngOf(8, 8), 'image/png', bob.headers)).status).toBe(404);
    expect((await put('test-ada', pngOf(8, 8), 'image/png', bob.headers)).status).toBe(403);
    expect((await put(c.id, pngOf(8, 8), 'image/png', {})).status).toBe(401);
    expect((await get(`/api/characters/${c.id}/avatar`, bob.headers)).status).toBe(404);
  });

  it("when nothing was uploaded, then GET redirects to the character's avatar image, or the generic one if that is missing", async () => {
    const res = await send(api.url, '/api/characters', {
      body: { ...characterInput('Has An Avatar', 'public'), avatarUrl: '/avatars/june.svg' },
      headers: alice.headers,
    });
    const c = Character.parse(res.body);
    const redirect = await get(`/api/characters/${c.id}/avatar`, {});
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/avatars/june.svg');
    // test-ada's /avatars/test-ada.svg is no file the web client has.
    const dangling = await get('/api/characters/test-ada/avatar', {});
    expect(dangling.headers.get('location')).toBe('/avatars/imported.svg');
  });

  it('when the upload is deleted, then GET falls back to the generic avatar and avatarUrl follows', async () => {
    const c = await create(alice, 'public');
    expect((await put(c.id, pngOf(8, 8), 'image/png')).status).toBe(200);
    const publicServed = await get(`/api/characters/${c.id}/avatar`, {});
    expect(publicServed.headers.get('cache-control')).toBe('public, no-cache');
    expect(
      (await send(api.url, `/api/characters/${c.id}/avatar`, { method: 'DELETE', headers: bob.headers }))
        .status,
    ).toBe(403);
    expect(
      (await send(api.url, `/api/characters/${c.id}/avatar`, { method: 'DELETE', headers: alice.headers }))
        .status,
    ).toBe(204);
    const res = await get(`/api/characters/${c.id}/avatar`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/avatars/imported.svg');
    const character = Character.parse((await send(api.url, `/api/characters/${c.id}`)).body);
    expect(character.avatarUrl).toBe('/avatars/imported.svg');
    expect(
      (await send(api.url, `/api/characters/${c.id}/avatar`, { method: 'DELETE', headers: alice.headers }))
        .status,
    ).toBe(404);
  });

  it('when a PNG card is imported, then its image becomes the avatar, and PNG export carries that image', async () => {
    const card = pngCard(v2Card());
    const res = await fetch(`${api.url}/api/characters/import`, {
      method: 'POST',
      headers: { ...alice.headers, 'content-type': 'image/png' },
      body: Buffer.from(card),
    });
    expect(res.status).toBe(201);
    const { character } = ImportCharacterResponse.parse(await res.json());
    expect(character.avatarUrl).toMatch(/^\/api\/characters\/.+\/avatar\?v=/);
    const served = new Uint8Array(await (await get(character.avatarUrl)).arrayBuffer());
    // The card's own chunks are not kept in the avatar: only the image.
    expect(plainChunks(served).map((c) => c.type)).not.toContain('tEXt');
    expect(probeImage(served)).toEqual(probeImage(card));

    const own = pngOf(40, 30);
    expect((await put(character.id, own, 'image/png')).status).toBe(200);
    const exported = await fetch(`${api.url}/api/characters/${character.id}/export?format=v2-png`, {
      headers: alice.headers,
    });
    expect(exported.status).toBe(200);
    const png = new Uint8Array(await exported.arrayBuffer());
    expect(probeImage(png)).toMatchObject({ width: 40, height: 30 });
    expect(plainChunks(png).filter((c) => c.type === 'tEXt').length).toBeGreaterThan(0);
  });
});
