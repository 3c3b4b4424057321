import { describe, expect, it } from 'vitest';
import { TokenService } from './tokens.ts';

const SECRET = 'a-token-test-secret-of-32-characters';
const USER = '6f1c1e2a-3b4d-4e5f-8a9b-0c1d2e3f4a5b';

describe('TokenService on a fake clock', () => {
  it('when a token is issued, then it verifies to its account until its lifetime (and 5 s of skew) ends, and not after', async () => {
    let now = Date.UTC(2030, 0, 1, 12);
    const tokens = new TokenService({ secret: SECRET, ttlMs: 60 * 60_000, now: () => now });
    const { token, expiresAt } = await tokens.issue(USER);
    expect(expiresAt.getTime()).toBe(now + 60 * 60_000);
    expect(await tokens.verify(token)).toBe(USER);
    now += 60 * 60_000 - 1000;
    expect(await tokens.verify(token)).toBe(USER);
    // Five seconds of clock skew between replicas are forgiven, and no more.
    now += 5000;
    expect(await tokens.verify(token)).toBe(USER);
    now += 1000;
    expect(await tokens.verify(token)).toBeUndefined();
  });

  it('when a token comes from another secret or is garbage, then it does not verify', async () => {
    const tokens = new TokenService({ secret: SECRET });
    const other = new TokenService({ secret: `${SECRET}-other` });
    expect(await tokens.verify((await other.issue(USER)).token)).toBeUndefined();
    for (const junk of ['', 'x', 'a.b.c', 'trp_abc']) expect(await tokens.verify(junk)).toBeUndefined();
  });

  it('when a token is issued in the future of the verifier, then it is refused as not yet valid', async () => {
    const later = new TokenService({ secret: SECRET, now: () => Date.UTC(2031, 0, 1) });
    const earlier = new TokenService({ secret: SECRET, now: () => Date.UTC(2030, 0, 1) });
    expect(await earlier.verify((await later.issue(USER)).token)).toBeUndefined();
  });
});
