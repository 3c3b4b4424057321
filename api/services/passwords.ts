import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHasherOptions {
  /** scrypt CPU/memory cost N, a power of two; memory is 128·N·r bytes (32 MiB by default). @defaultValue 32768 */
  cost: number;
  /** scrypt block size r. @defaultValue 8 */
  blockSize: number;
  /** scrypt parallelisation p. @defaultValue 1 */
  parallelization: number;
  /** Random salt per password, in bytes. @defaultValue 16 */
  saltBytes: number;
  /** Derived key length, in bytes. @defaultValue 32 */
  keyBytes: number;
}

/** OWASP's scrypt floor (N=2^15, r=8, p=1): about 100 ms and 32 MiB a hash on a small server. */
export const defaultPasswordHasherOptions: PasswordHasherOptions = {
  cost: 2 ** 15,
  blockSize: 8,
  parallelization: 1,
  saltBytes: 16,
  keyBytes: 32,
};

interface Parsed {
  cost: number;
  blockSize: number;
  parallelization: number;
  salt: Buffer;
  key: Buffer;
}

const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([\w-]{16,})\$([\w-]{16,})$/;

/**
 * scrypt hashes stored as `scrypt$N$r$p$salt$key` (base64url), so that the parameters can be
 * raised later while hashes made with the old ones still verify.
 */
export class PasswordHasher {
  readonly options: PasswordHasherOptions;
  /** A well-formed hash with the current parameters that no password matches. */
  readonly #nothing: string;

  constructor(opts: Partial<PasswordHasherOptions> = {}) {
    this.options = { ...defaultPasswordHasherOptions, ...opts };
    const { cost, blockSize, parallelization, saltBytes, keyBytes } = this.options;
    const zeros = (n: number) => Buffer.alloc(n).toString('base64url');
    this.#nothing = ['scrypt', cost, blockSize, parallelization, zeros(saltBytes), zeros(keyBytes)].join('$');
  }

  async hash(password: string): Promise<string> {
    const { cost, blockSize, parallelization, saltBytes, keyBytes } = this.options;
    const salt = randomBytes(saltBytes);
    const key = await derive(password, salt, keyBytes, { cost, blockSize, parallelization });
    return [
      'scrypt',
      cost,
      blockSize,
      parallelization,
      salt.toString('base64url'),
      key.toString('base64url'),
    ].join('$');
  }

  /** True when the password matches; false when it does not or the stored hash is malformed. */
  async verify(password: string, stored: string): Promise<boolean> {
    const parsed = parse(stored);
    if (!parsed) return false;
    const { salt, key, ...params } = parsed;
    const given = await derive(password, salt, key.length, params);
    return timingSafeEqual(given, key);
  }

  /** Does the same work as a failed verify, so that an unknown account answers as slowly as a known one. */
  async verifyNothing(password: string): Promise<false> {
    await this.verify(password, this.#nothing);
    return false;
  }

  /** True when the hash was made with other parameters than the current ones. */
  needsRehash(stored: string): boolean {
    const p = parse(stored);
    const o = this.options;
    return (
      !p ||
      p.cost !== o.cost ||
      p.blockSize !== o.blockSize ||
      p.parallelization !== o.parallelization ||
      p.key.length !== o.keyBytes
    );
  }
}

function parse(stored: string): Parsed | undefined {
  const m = FORMAT.exec(stored);
  if (!m) return undefined;
  const [, n, r, p, salt, key] = m;
  const cost = Number(n);
  // Anything else would make scrypt throw, or allocate without bound.
  if (cost < 2 || cost > 2 ** 20 || (cost & (cost - 1)) !== 0) return undefined;
  return {
    cost,
    blockSize: Number(r),
    parallelization: Number(p),
    salt: Buffer.from(salt!, 'base64url'),
    key: Buffer.from(key!, 'base64url'),
  };
}

function derive(
  password: string,
  salt: Buffer,
  keyBytes: number,
  p: { cost: number; blockSize: number; parallelization: number },
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: p.cost,
    r: p.blockSize,
    p: p.parallelization,
    maxmem: 256 * p.cost * p.blockSize + 1024 * 1024,
  };
  // NFKC, so that the same password typed on two keyboards is the same password.
  const normalized = password.normalize('NFKC');
  return new Promise((resolve, reject) =>
    scrypt(normalized, salt, keyBytes, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}
