import { once } from 'node:events';
import { request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '../../protocol/index.ts';
import { createApp } from '../app.ts';
import { loadApiConfig } from '../config.ts';
import { errorHandler } from '../errors.ts';
import { startTestApi, type TestApi } from '../testing.ts';
import { apiRateLimits } from './rate-limit.ts';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * An HTTP request from a chosen loopback address (127.0.0.2, 127.0.0.3, …), so that each test is
 * its own client as far as per-IP limits go, as separate machines would be.
 */
function call(
  baseUrl: string,
  path: string,
  opts: { from?: string; method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${baseUrl}${path}`,
      { method: opts.method ?? 'GET', headers: opts.headers, localAddress: opts.from ?? '127.0.0.1' },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const corsHeadersOf = (headers: IncomingHttpHeaders) =>
  Object.keys(headers).filter((h) => h.startsWith('access-control-'));

describe('API hygiene (rate limits, CORS, metrics, headers)', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi('pglite', {
      RATE_LIMIT_PER_MINUTE: '5',
      AUTH_RATE_LIMIT_PER_MINUTE: '2',
      CORS_ORIGINS: 'https://app.example.test, http://localhost:5173',
    });
  });
  afterAll(async () => {
    await api?.stop();
  });

  describe('rate limits', () => {
    it('when a client exceeds RATE_LIMIT_PER_MINUTE, then it gets 429 in the error shape with Retry-After, and other clients do not', async () => {
      for (let i = 0; i < 5; i++)
        expect((await call(api.url, '/api/characters', { from: '127.0.0.2' })).status).toBe(200);
      const limited = await call(api.url, '/api/characters', { from: '127.0.0.2' });
      expect(limited.status).toBe(429);
      expect(ErrorBody.parse(JSON.parse(limited.text)).error.code).toBe('rate_limited');
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.headers['ratelimit-policy']).toMatch(/q=5/);
      expect((await call(api.url, '/api/characters', { from: '127.0.0.3' })).status).toBe(200);
    });

    it('when /api/auth/* is called more than AUTH_RATE_LIMIT_PER_MINUTE times, then it is limited before the general limit', async () => {
      const signIn = () =>
        call(api.url, '/api/auth/signin', {
          from: '127.0.0.4',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'nobody@example.test', password: 'wrong-password' }),
        });
      for (let i = 0; i < 2; i++) expect((await signIn()).status).not.toBe(429);
      const limited = await signIn();
      expect(limited.status).toBe(429);
      expect(ErrorBody.parse(JSON.parse(limited.text)).error.code).toBe('rate_limited');
      expect(limited.headers['retry-after']).toMatch(/^\d+$/);
      // The auth limit is its own: the general one still has room for this client.
      expect((await call(api.url, '/api/characters', { from: '127.0.0.4' })).status).toBe(200);
    });

    it('when the agent reports, LiveKit posts webhooks or health is checked, then no limit applies and nothing is counted', async () => {
      const from = '127.0.0.5';
      for (let i = 0; i < 8; i++) {
        const internal = await call(
          api.url,
          '/api/internal/sessions/00000000-0000-4000-8000-000000000000/status',
          {
            from,
            method: 'POST',
          },
        );
        expect(internal.status).toBe(401);
        const webhook = await call(api.url, '/api/livekit/webhook', { from, method: 'POST', body: '{}' });
        expect(webhook.status).toBe(401);
        expect((await call(api.url, '/healthz', { from })).status).toBe(200);
        expect((await call(api.url, '/metrics', { from })).status).toBe(200);
      }
      expect((await call(api.url, '/api/characters', { from })).status).toBe(200);
    });
  });

  describe('CORS', () => {
    it('when an allowed origin sends a preflight, then it is answered 204 with the CORS headers', async () => {
      const res = await call(api.url, '/api/sessions', {
        from: '127.0.0.6',
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,authorization',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.test');
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(res.headers['access-control-allow-headers']).toBe('content-type,authorization');
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['access-control-max-age']).toBe('600');
      expect(res.headers.vary).toMatch(/origin/i);
    });

    it('when an allowed origin makes a request, then the response names that origin and exposes the request id', async () => {
      const res = await call(api.url, '/api/characters', {
        from: '127.0.0.6',
        headers: { origin: 'http://localhost:5173' },
      });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      expect(res.headers['access-control-expose-headers']).toContain('x-request-id');
    });

    it('when an origin is not on the list, then neither its preflight nor its request gets any CORS header', async () => {
      const headers = { origin: 'https://evil.example.test' };
      const preflight = await call(api.url, '/api/sessions', {
        from: '127.0.0.7',
        method: 'OPTIONS',
        headers: { ...headers, 'access-control-request-method': 'POST' },
      });
      const get = await call(api.url, '/api/characters', { from: '127.0.0.7', headers });
      expect(corsHeadersOf(preflight.headers)).toEqual([]);
      expect(get.status).toBe(200);
      expect(corsHeadersOf(get.headers)).toEqual([]);
    });
  });

  describe('metrics', () => {
    it('when /metrics is scraped, then it is Prometheus text with process metrics and the latency histogram', async () => {
      const res = await call(api.url, '/metrics', { from: '127.0.0.8' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.text).toContain('# TYPE process_cpu_user_seconds_total counter');
      expect(res.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
      expect(res.text).toContain('# TYPE http_request_duration_seconds histogram');
    });

    it('when requests are served, then latency is labelled by route pattern and status class, never by URL, and scrapes are not counted', async () => {
      const from = '127.0.0.8';
      await call(api.url, '/api/characters/test-ada', { from });
      await call(api.url, '/api/characters/test-bob', { from });
      await call(api.url, '/api/characters/no-such-one', { from });
      await call(api.url, '/api/no/such/route', { from });
      await call(api.url, '/metrics', { from });
      const text = (await call(api.url, '/metrics', { from })).text;
      const count = (labels: string) =>
        Number(
          new RegExp(`^http_request_duration_seconds_count\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1],
        );
      expect(count('method="GET",route="/api/characters/:id",status_class="2xx"')).toBeGreaterThanOrEqual(2);
      expect(count('method="GET",route="/api/characters/:id",status_class="4xx"')).toBeGreaterThanOrEqual(1);
      expect(count('method="GET",route="\\(unmatched\\)",status_class="4xx"')).toBeGreaterThanOrEqual(1);
      const series = text.split('\n').filter((l) => l.startsWith('http_request_duration_seconds'));
      expect(series.join('\n')).not.toMatch(/test-ada|test-bob|no-such-one|\/no\/such|route="\/metrics"/);
    });
  });

  it('when any response is sent, then helmet headers are kept, with CSP and HSTS left to the proxy', async () => {
    const res = await call(api.url, '/api/characters', { from: '127.0.0.9' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  describe('with the defaults: no CORS origins, metrics off', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      const config = loadApiConfig({ METRICS_ENABLED: 'false', PGLITE_DIR: 'memory://' });
      server = createApp({ db: api.db, config, logger: pino({ level: 'silent' }) }).listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
    });

    it('when METRICS_ENABLED is false, then /metrics is not served and the API document does not list it', async () => {
      // As a Prometheus scraper asks for it (a browser would get the web client's page instead).
      const res = await call(url, '/metrics', { headers: { accept: 'text/plain' } });
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('# TYPE');
      const doc = JSON.parse((await call(url, '/api/openapi.json')).text) as { paths: object };
      expect(Object.keys(doc.paths)).not.toContain('/metrics');
    });

    it('when CORS_ORIGINS is unset, then a cross-origin request gets no CORS header', async () => {
      const res = await call(url, '/api/characters', { headers: { origin: 'http://localhost:5173' } });
      expect(res.status).toBe(200);
      expect(corsHeadersOf(res.headers)).toEqual([]);
    });
  });
});

describe('rate limit keys', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // Stands in for the accounts code's authentication, which sets req.user before the limiter.
    const app = express();
    app.use((req, _res, next) => {
      const id = req.header('x-test-user');
      if (id) Object.assign(req, { user: { id } });
      next();
    });
    app.use('/api', apiRateLimits({ perWindow: 2, authPerWindow: 1 }));
    app.get('/api/thing', (_req, res) => {
      res.json({ ok: true });
    });
    app.use(errorHandler());
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('when requests carry a signed-in user, then each account has its own limit even from one IP', async () => {
    const as = (user: string) => call(url, '/api/thing', { headers: { 'x-test-user': user } });
    expect((await as('alice')).status).toBe(200);
    expect((await as('alice')).status).toBe(200);
    expect((await as('alice')).status).toBe(429);
    expect((await as('bob')).status).toBe(200);
    // Anonymous requests from the same IP count against the IP, not against either account.
    expect((await call(url, '/api/thing')).status).toBe(200);
  });
});
