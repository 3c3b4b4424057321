import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, deriveBroadcastSecretKey, loadApiConfig } from '../../config.ts';
import { SecretBox, SecretDecryptError, secretContext } from './secrets.ts';

const key = randomBytes(32);
/** The sealed text with the first character of its `part`-th dot-separated part changed. */
function flipPart(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const p = parts[part]!;
  parts[part] = `${p.startsWith('A') ? 'B' : 'A'}${p.slice(1)}`;
  return parts.join('.');
}

const context = secretContext.twitchStreamKey('0b0c9a53-5c55-4a8e-9f1c-7f7f3b0f6c11');

describe('SecretBox', () => {
  it('when a value is sealed, then it opens to itself and the text is v1.<iv>.<tag>.<ciphertext> without it', () => {
    const box = new SecretBox({ key });
    const sealed = box.seal('test-stream-key', context);
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(sealed).not.toContain('test-stream-key');
    expect(box.open(sealed, context)).toBe('test-stream-key');
    // A fresh IV each time: the same key sealed twice looks different.
    expect(box.seal('test-stream-key', context)).not.toBe(sealed);
  });

  it.each([
    [
      'another field',
      (s: string) => s,
      secretContext.twitchChatToken('0b0c9a53-5c55-4a8e-9f1c-7f7f3b0f6c11'),
    ],
    ['another row', (s: string) => s, secretContext.twitchStreamKey('1b0c9a53-5c55-4a8e-9f1c-7f7f3b0f6c11')],
    ['an altered IV', (s: string) => flipPart(s, 1), context],
    ['an altered tag', (s: string) => flipPart(s, 2), context],
    ['an altered ciphertext', (s: string) => flipPart(s, 3), context],
    ['another format', (s: string) => s.replace(/^v1/, 'v2'), context],
    ['garbage', () => 'not-a-sealed-value', context],
  ])('when it is opened as %s, then it is a SecretDecryptError naming the field', (_what, alter, ctx) => {
    const box = new SecretBox({ key });
    const sealed = alter(box.seal('test-stream-key', context));
    expect(() => box.open(sealed, ctx)).toThrow(SecretDecryptError);
    expect(() => box.open(sealed, ctx)).toThrow(/could not be decrypted/);
  });

  it('when the key is rotated, then values sealed with the previous key still open and new ones use the new key', () => {
    const old = new SecretBox({ key });
    const sealed = old.seal('test-stream-key', context);
    const rotated = new SecretBox({ key: randomBytes(32), previousKey: key });
    expect(rotated.open(sealed, context)).toBe('test-stream-key');
    expect(() => old.open(rotated.seal('new', context), context)).toThrow(SecretDecryptError);
    expect(() => new SecretBox({ key: randomBytes(32) }).open(sealed, context)).toThrow(SecretDecryptError);
  });
});

describe('BROADCAST_SECRET_KEY', () => {
  it('when unset, then a key derived from LIVEKIT_API_SECRET is used and said to be derived', () => {
    const config = loadApiConfig({ LIVEKIT_API_SECRET: 'a-livekit-secret' });
    expect(config.broadcast.secretKey).toEqual(deriveBroadcastSecretKey('a-livekit-secret'));
    expect(config.broadcast.secretKey).toHaveLength(32);
    expect(config.broadcast.secretKeySource).toBe('derived');
    expect(config.broadcast).toMatchObject({ egressEnabled: false, publicWebUrl: 'http://127.0.0.1:3000' });
  });

  it.each([
    ['base64', key.toString('base64')],
    ['base64url', key.toString('base64url')],
    ['hex', key.toString('hex')],
  ])('when given as %s, then it is those 32 bytes', (_format, value) => {
    const config = loadApiConfig({ BROADCAST_SECRET_KEY: value, BROADCAST_SECRET_KEY_PREVIOUS: value });
    expect(config.broadcast.secretKey).toEqual(key);
    expect(config.broadcast.previousSecretKey).toEqual(key);
    expect(config.broadcast.secretKeySource).toBe('env');
  });

  it.each(['short', randomBytes(16).toString('base64'), randomBytes(33).toString('hex'), 'z'.repeat(64)])(
    'when malformed (%s), then start-up stops naming the variable',
    (value) => {
      try {
        loadApiConfig({ BROADCAST_SECRET_KEY: value });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).issues.map((i) => i.variable)).toEqual(['BROADCAST_SECRET_KEY']);
        expect((err as ConfigError).message).not.toContain(value);
      }
    },
  );

  it('when egress and the public web URL are set, then broadcasts use them', () => {
    const config = loadApiConfig({
      LIVEKIT_EGRESS_ENABLED: 'true',
      PUBLIC_WEB_URL: 'https://troupe.example.com/',
    });
    expect(config.broadcast).toMatchObject({
      egressEnabled: true,
      publicWebUrl: 'https://troupe.example.com',
    });
  });
});
