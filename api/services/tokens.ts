import { SignJWT, errors, jwtVerify } from 'jose';

export interface TokenServiceOptions {
  /** HMAC key (HS256). */
  secret: string;
  /** Lifetime of a token. @defaultValue 3600000 (1 h) */
  ttlMs: number;
  /** The clock, in epoch milliseconds; tests pass a fake one. @defaultValue Date.now */
  now: () => number;
}

const ISSUER = 'troupe';
const AUDIENCE = 'troupe-api';

/** Short-lived bearer tokens: HS256 JWTs naming the account in `sub`. */
export class TokenService {
  readonly options: TokenServiceOptions;
  readonly #key: Uint8Array;

  constructor(opts: Partial<TokenServiceOptions> & Pick<TokenServiceOptions, 'secret'>) {
    this.options = { ttlMs: 3_600_000, now: Date.now, ...opts };
    this.#key = new TextEncoder().encode(this.options.secret);
  }

  async issue(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const nowS = Math.floor(this.options.now() / 1000);
    const expS = nowS + Math.max(1, Math.floor(this.options.ttlMs / 1000));
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(nowS)
      .setNotBefore(nowS)
      .setExpirationTime(expS)
      .sign(this.#key);
    return { token, expiresAt: new Date(expS * 1000) };
  }

  /** The account id of a valid, unexpired token; undefined for anything else. */
  async verify(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.options.now()),
        // API replicas sign and verify each other's tokens: forgive a few seconds of clock skew.
        clockTolerance: 5,
        requiredClaims: ['sub', 'exp', 'iat', 'nbf'],
      });
      return payload.sub;
    } catch (err) {
      if (err instanceof errors.JOSEError) return undefined;
      throw err;
    }
  }
}
