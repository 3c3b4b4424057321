import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbKinds } from '../db/testing.ts';
import { AvatarUploadResponse, Character, ErrorBody, ImportCharacterResponse } from '../protocol/index.ts';
import { signUp, type SignedUp } from '../test/support/auth.ts';
import { jpegHeaderOf, pngOf, webpHeaderOf } from '../test/support/images.ts';
import { cardText, pngCard, pngChunk, plainChunks, textChunk, v2Card } from './cards/testing.ts';
import { probeImage } from './services/image-probe.ts';
import { characterInput, createCharacter, send, startTestApi, type TestApi } from './testing.ts';

// Avatar uploads: checked by their bytes, re-encoded without metadata, served with safe headers,
// and carried through card import and PNG export.

const LIMIT = 8 * 1024;

/** A real image of one colour in `format`, decodable by any reader. */
const solid = (format: 'png' | 'jpeg' | 'webp', width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .toFormat(format)
    .toBuffer();

/** EXIF as a phone writes it: its make and software, and where the photo was taken (GPS IFD). */
const PHONE_EXIF = {
  IFD0: { Make: 'TroupePhone', Model: 'Leaky 3', Software: 'troupe-test-camera' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '51/1 30/1 26/1',
    GPSLongitudeRef: 'W',
    GPSLongitude: '0/1 7/1 39/1',
  },
};
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.43N"/></rdf:RDF></x:xmpmeta>';

/** Whether EXIF holds a GPS IFD pointer (tag 0x8825), in either byte order. */
const hasGpsIfd = (exif: Buffer | undefined) =>
  exif !== undefined &&
  (exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88])));

/** The PNG's chunks with `extra` placed right after IHDR. */
const withChunks = (png: Uint8Array, extra: Buffer[]) => {
  const [ihdr, ...rest] = plainChunks(png);
  return Buffer.concat([
    Buffer.from(png.subarray(0, 8)),
    pngChunk('IHDR', ihdr!.data),
    ...extra,
    ...rest.map((c) => pngChunk(c.type, c.data)),
  ]);
};

/** Chunks that carry metadata rather than pixels. */
const METADATA_CHUNKS = ['tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME'];

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

  const create = (owner = alice, visibility: 'private' | 'public' = 'private') =>
    createCharacter(api.url, owner, 'Avatar Owner', visibility);
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
    expect(stored).toMatchObject({ contentType: 'image/png', width: 32, height: 24 });
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
    // What is served is the re-encoding: the same picture, not the same bytes.
    const body = Buffer.from(await served.arrayBuffer());
    expect(body.length).toBe(stored.bytes);
    const [got, want] = await Promise.all(
      [body, image].map((b) => sharp(b).removeAlpha().raw().toBuffer({ resolveWithObject: true })),
    );
    expect(got!.info).toMatchObject({ width: 32, height: 24 });
    expect(got!.data.equals(want!.data)).toBe(true);
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
    for (const [bytes, type, format] of [
      [await solid('jpeg', 100, 80), 'image/jpeg', 'jpeg'],
      [await solid('webp', 120, 90), 'image/webp', 'webp'],
    ] as const) {
      const res = await put(c.id, bytes, type);
      expect(res.status).toBe(200);
      const served = await get(`/api/characters/${c.id}/avatar`);
      expect(served.headers.get('content-type')).toBe(type);
      const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
      expect(meta).toMatchObject({
        format,
        width: probeImage(bytes).width,
        height: probeImage(bytes).height,
      });
    }
  });

  // Regression: an uploaded photo was published byte for byte, its EXIF GPS position included.
  it('when a phone photo with EXIF GPS, XMP and a sideways orientation is uploaded, then the served avatar has no metadata and is upright', async () => {
    const c = await create(alice, 'public');
    const photo = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 120, b: 200 } },
    })
      .jpeg()
      .withExif(PHONE_EXIF)
      .withXmp(XMP)
      .withMetadata({ orientation: 6 }) // stored sideways: shown as 48×64
      .toBuffer();
    const sent = await sharp(photo).metadata();
    // The test photo really carries what must not be published.
    expect(sent.orientation).toBe(6);
    expect(hasGpsIfd(sent.exif)).toBe(true);
    expect(sent.exif?.includes('TroupePhone')).toBe(true);
    expect(sent.xmp).toBeDefined();

    const res = await put(c.id, photo, 'image/jpeg');
    expect(res.status).toBe(200);
    const stored = AvatarUploadResponse.parse(await res.json());
    expect(stored).toMatchObject({ contentType: 'image/jpeg', width: 48, height: 64 });

    const served = Buffer.from(await (await get(stored.avatarUrl, {})).arrayBuffer());
    const meta = await sharp(served).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 48, height: 64 });
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    for (const leak of ['TroupePhone', 'troupe-test-camera', 'GPSLatitude', 'Exif'])
      expect(served.includes(leak), leak).toBe(false);
    // Still the picture: it decodes to the photo's colour.
    const { data } = await sharp(served).raw().toBuffer({ resolveWithObject: true });
    expect(Math.abs(data[0]! - 10) + Math.abs(data[1]! - 120) + Math.abs(data[2]! - 200)).toBeLessThan(24);
  });

  it('when a PNG or WebP carries EXIF and XMP, then the served avatar carries neither', async () => {
    const c = await create();
    for (const format of ['png', 'webp'] as const) {
      const image = await sharp({ create: { width: 30, height: 20, channels: 4, background: '#33aa55' } })
        .toFormat(format)
        .withExif(PHONE_EXIF)
        .withXmp(XMP)
        .toBuffer();
      expect(hasGpsIfd((await sharp(image).metadata()).exif)).toBe(true);
      const res = await put(c.id, image, `image/${format}`);
      expect(res.status).toBe(200);
      const served = Buffer.from(await (await get(`/api/characters/${c.id}/avatar`)).arrayBuffer());
      const meta = await sharp(served).metadata();
      expect(meta).toMatchObject({ format, width: 30, height: 20 });
      expect(meta.exif, format).toBeUndefined();
      expect(meta.xmp, format).toBeUndefined();
      if (format === 'png')
        expect(plainChunks(served).filter((ch) => METADATA_CHUNKS.includes(ch.type))).toEqual([]);
    }
  });

  it('when a JPEG has a valid header but no picture behind it, then it is refused as no image', async () => {
    const c = await create();
    const res = await put(c.id, jpegHeaderOf(100, 80), 'image/jpeg');
    expect(res.status).toBe(400);
    const body = ErrorBody.parse(await res.json());
    expect(body.error.details).toEqual({ reason: 'not_an_image' });
    expect(body.error.message).toMatch(/could not be decoded/);
    expect((await put(c.id, webpHeaderOf(120, 90), 'image/webp')).status).toBe(400);
    expect((await get(`/api/characters/${c.id}/avatar`)).status).toBe(302);
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

  // Regression: a card's image became a public avatar with every chunk but the card's own kept.
  it('when a PNG card carries EXIF, XMP and other text chunks, then the avatar made of it carries none of them', async () => {
    const image = await sharp({ create: { width: 40, height: 30, channels: 4, background: '#8040c0' } })
      .png()
      .withExif(PHONE_EXIF)
      .withXmp(XMP)
      .toBuffer();
    const card = withChunks(image, [
      textChunk('chara', cardText(v2Card())),
      textChunk('Comment', 'drawn at 51.5074 N, 0.1278 W'),
      textChunk('Author', 'someone@example.com'),
      pngChunk('tIME', Buffer.from([0x07, 0xea, 1, 2, 3, 4, 5])),
    ]);
    const types = plainChunks(card).map((ch) => ch.type);
    expect(types).toEqual(expect.arrayContaining(['tEXt', 'eXIf', 'tIME']));
    expect(types.filter((t) => t === 'zTXt' || t === 'iTXt').length).toBeGreaterThan(0); // XMP

    const res = await fetch(`${api.url}/api/characters/import`, {
      method: 'POST',
      headers: { ...alice.headers, 'content-type': 'image/png' },
      body: card,
    });
    expect(res.status).toBe(201);
    const { character } = ImportCharacterResponse.parse(await res.json());
    expect(character.avatarUrl).toMatch(/^\/api\/characters\/.+\/avatar\?v=/);
    const served = Buffer.from(await (await get(character.avatarUrl)).arrayBuffer());
    expect(plainChunks(served).filter((ch) => METADATA_CHUNKS.includes(ch.type))).toEqual([]);
    const meta = await sharp(served).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 40, height: 30 });
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    for (const leak of ['51.5074', 'someone@example.com', 'TroupePhone', 'chara'])
      expect(served.includes(leak), leak).toBe(false);
  });
});
