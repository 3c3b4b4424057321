import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Broadcast secrets at rest: AES-256-GCM with a random 96-bit IV per value. The associated data
// names the row and the field, so a sealed value copied into another row or field does not open.
// Format: `v1.<iv>.<tag>.<ciphertext>`, each part base64url.

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** A sealed value could not be opened: tampered with, moved, or sealed under another key. Never retryable. */
export class SecretDecryptError extends Error {
  readonly retryable = false;
  constructor(readonly field: string) {
    super(
      `stored secret ${field} could not be decrypted: it was altered, moved from another row or field, ` +
        'or sealed with a key other than BROADCAST_SECRET_KEY (or BROADCAST_SECRET_KEY_PREVIOUS)',
    );
    this.name = 'SecretDecryptError';
  }
}

export interface SecretBoxOptions {
  /** 32 bytes: seals every new value and opens values sealed with it. */
  key: Buffer;
  /** 32 bytes: opens values sealed before a key rotation; never seals. @defaultValue undefined */
  previousKey?: Buffer;
}

/** Seals and opens the broadcast secrets. Holds the keys; never logs. */
export class SecretBox {
  private readonly keys: Buffer[];

  constructor(opts: SecretBoxOptions) {
    for (const k of [opts.key, opts.previousKey])
      if (k && k.length !== 32) throw new Error('broadcast secret keys must be 32 bytes');
    this.keys = [opts.key, ...(opts.previousKey ? [opts.previousKey] : [])];
  }

  /** `context` is the associated data: `<rowId>/<field>`. */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Opens a sealed value with the current key, then the previous one; SecretDecryptError otherwise. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    const [version, ivText = '', tagText = '', ctText = ''] = parts;
    if (parts.length !== 4 || version !== VERSION || ![ivText, tagText, ctText].every((p) => B64URL.test(p)))
      throw new SecretDecryptError(context);
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretDecryptError(context);
    const ct = Buffer.from(ctText, 'base64url');
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
      } catch {
        // Wrong key or altered data: try the next key, then give up.
      }
    }
    throw new SecretDecryptError(context);
  }
}

/** The associated data of one broadcast secret. */
export const secretContext = {
  twitchStreamKey: (broadcastId: string) => `${broadcastId}/twitch.streamKey`,
  twitchChatToken: (broadcastId: string) => `${broadcastId}/twitch.chatOAuthToken`,
  destinationKey: (broadcastId: string, destinationId: string) =>
    `${broadcastId}/destinations.${destinationId}.streamKey`,
  controlWebhookSecret: (broadcastId: string) => `${broadcastId}/controlWebhook.secret`,
};
