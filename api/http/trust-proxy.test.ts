import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadApiConfig } from '../config.ts';
import { startTestApi, type TestApi } from '../testing.ts';

// TRUST_PROXY decides whose X-Forwarded-For names the client, and so which rate-limit bucket a
// request counts against.

/** GET `path` from 127.0.0.1 (where a reverse proxy would be), with the headers a proxy adds. */
function viaProxy(baseUrl: string, path: string, forwardedFor?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}${path}`,
      { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}, localAddress: '127.0.0.1' },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('TRUST_PROXY settings', () => {
  it.each<[string | undefined, unknown]>([
    [undefined, false],
    ['', false],
    ['false', false],
    ['TRUE', true],
    ['1', 1],
    ['0', 0],
    ['loopback', ['loopback']],
    ['10.0.0.0/8, 127.0.0.1', ['10.0.0.0/8', '127.0.0.1']],
    ['192.168.0.0/255.255.0.0,uniquelocal', ['192.168.0.0/255.255.0.0', 'uniquelocal']],
    ['fd00::/8, ::1', ['fd00::/8', '::1']],
  ])('when TRUST_PROXY is %j, then the API trusts %j', (value, trusted) => {
    expect(loadApiConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy).toEqual(trusted);
  });

  it.each(['maybe', '-1', '33', '10.0.0.0/33', '1.2.3', 'fd00::/129', '10.0.0.1/8/8', 'loopback, nope'])(
    'when TRUST_PROXY is "%s", then the configuration is refused naming it',
    (value) => {
      expect(() => loadApiConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
      try {
        loadApiConfig({ TRUST_PROXY: value });
      } catch (err) {
        expect((err as ConfigError).issues.map((i) => i.variable)).toEqual(['TRUST_PROXY']);
      }
    },
  );
});

// Regression: behind a reverse proxy every client had the proxy's address, so one busy client used
// up the rate limit of everyone else.
describe.each([
  ['TRUST_PROXY=1', { TRUST_PROXY: '1' }, 'separate'],
  ['TRUST_PROXY=127.0.0.1', { TRUST_PROXY: '127.0.0.1' }, 'separate'],
  ['the default', {}, 'shared'],
] as const)('rate limits behind a proxy with %s', (_name, env, buckets) => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('pglite', { RATE_LIMIT_PER_MINUTE: '3', ...env });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it(`when two X-Forwarded-For clients call through one proxy, then their buckets are ${buckets}`, async () => {
    const a = [];
    for (let i = 0; i < 3; i += 1) a.push(await viaProxy(api.url, '/api/characters', '203.0.113.10'));
    expect(a).toEqual([200, 200, 200]);
    expect(await viaProxy(api.url, '/api/characters', '203.0.113.10')).toBe(429);
    const b = await viaProxy(api.url, '/api/characters', '203.0.113.20');
    expect(b).toBe(buckets === 'separate' ? 200 : 429);
    if (buckets === 'separate') {
      // Only the address the proxy appended counts: a forged one in front of it changes nothing.
      expect(await viaProxy(api.url, '/api/characters', '198.51.100.7, 203.0.113.10')).toBe(429);
    }
  });
});
