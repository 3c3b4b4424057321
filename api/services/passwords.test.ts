import { describe, expect, it } from 'vitest';
import { PasswordHasher, defaultPasswordHasherOptions } from './passwords.ts';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('when a password is hashed and verified, then the same password matches and another does not', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(await hasher.verify('correct horse battery staple', stored)).toBe(true);
    expect(await hasher.verify('correct horse battery stapler', stored)).toBe(false);
    expect(await hasher.verify('', stored)).toBe(false);
  });

  it('when a hash is made, then it carries scrypt and its parameters, and not the password', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    const { cost, blockSize, parallelization } = defaultPasswordHasherOptions;
    expect(stored).toMatch(
      new RegExp(`^scrypt\\$${cost}\\$${blockSize}\\$${parallelization}\\$[\\w-]{22}\\$[\\w-]{43}$`),
    );
    expect(stored).not.toContain('horse');
  });

  it('when the same password is hashed twice, then the salts and hashes differ', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password'), hasher.hash('same password')]);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });

  it('when the parameters change later, then old hashes still verify and are flagged for rehashing', async () => {
    const old = new PasswordHasher({ cost: 2 ** 10 });
    const stored = await old.hash('an older password');
    expect(await hasher.verify('an older password', stored)).toBe(true);
    expect(hasher.needsRehash(stored)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('a current password'))).toBe(false);
  });

  it('when the same password is typed in composed or decomposed Unicode, then it is the same password', async () => {
    const stored = await hasher.hash('caf\u00e9 au lait');
    expect(await hasher.verify('cafe\u0301 au lait', stored)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['another algorithm', '$2b$10$abcdefghijklmnopqrstuu'],
    [
      'a cost that is not a power of two',
      'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    [
      'an unbounded cost',
      'scrypt$67108864$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
  ])('when the stored hash is %s, then nothing verifies against it', async (_what, stored) => {
    expect(await hasher.verify('anything at all', stored)).toBe(false);
    expect(hasher.needsRehash(stored)).toBe(true);
  });

  it('when there is no account, then verifyNothing says no after the same scrypt work as a real verify', async () => {
    expect(await hasher.verifyNothing('whatever')).toBe(false);
    // That it ran scrypt with the hasher's own parameters, shown without a stopwatch: with
    // parameters scrypt refuses (p·128·r bytes over its memory limit), a real verify fails in
    // scrypt, and so must verifyNothing. An answer without running scrypt would resolve instead.
    const refused = { cost: 2, blockSize: 999, parallelization: 999 };
    const zeros = (n: number) => Buffer.alloc(n).toString('base64url');
    const stored = `scrypt$2$999$999$${zeros(16)}$${zeros(32)}`;
    const invalid = { code: 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS' };
    await expect(new PasswordHasher(refused).verify('whatever', stored)).rejects.toMatchObject(invalid);
    await expect(new PasswordHasher(refused).verifyNothing('whatever')).rejects.toMatchObject(invalid);
    // The figure, printed: the two take about as long.
    const real = await hasher.hash('whatever');
    const t0 = performance.now();
    await hasher.verify('whatever', real);
    const t1 = performance.now();
    await hasher.verifyNothing('whatever');
    const t2 = performance.now();
    console.log(`scrypt: verify ${(t1 - t0).toFixed(0)} ms, verifyNothing ${(t2 - t1).toFixed(0)} ms`);
  });
});
