import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../db/client.ts';
import { testPostgresAdminUrl } from '../db/testing.ts';
import { ErrorBody } from '../protocol/index.ts';
import { createApp } from './app.ts';
import { loadApiConfig } from './config.ts';
import { send } from './testing.ts';

// Static serving never touches the database: these apps get a postgres handle that is never queried
// (the driver connects lazily), so the tests need no database of either kind.
const root = mkdtempSync(join(tmpdir(), 'troupe-web-'));
const dist = join(root, 'dist');
const publicDir = join(root, 'public');
mkdirSync(join(dist, 'assets'), { recursive: true });
mkdirSync(join(dist, 'avatars'), { recursive: true });
mkdirSync(join(publicDir, 'avatars'), { recursive: true });
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Troupe</title>');
writeFileSync(join(dist, 'assets', 'app-1a2b.js'), 'console.log(1)');
writeFileSync(join(dist, 'avatars', 'ada.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
writeFileSync(join(publicDir, 'avatars', 'ada.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>');

let db: DbHandle;
const servers: { url: string; close(): Promise<void> }[] = [];

async function serve(webDistDir: string): Promise<string> {
  const config = loadApiConfig({ WEB_DIST_DIR: webDistDir, WEB_PUBLIC_DIR: publicDir });
  const server = createApp({ db, config, logger: pino({ level: 'silent' }) }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push({ url, close: () => new Promise((resolve) => server.close(() => resolve())) });
  return url;
}

beforeAll(async () => {
  db = await createDb({ databaseUrl: testPostgresAdminUrl });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await db?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('web client when it is built', () => {
  let url: string;
  beforeAll(async () => {
    url = await serve(dist);
  });

  it('when a client-side route is opened, then index.html is served uncached', async () => {
    for (const path of ['/', '/call/marigold', '/history/abc']) {
      const res = await send(url, path, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(200);
      expect(res.text).toContain('<title>Troupe</title>');
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('when a fingerprinted asset is fetched, then it is served with a long immutable cache', async () => {
    const res = await send(url, '/assets/app-1a2b.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
  });

  it('when an avatar is fetched, then it comes from the built client', async () => {
    const res = await send(url, '/avatars/ada.svg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('image/svg+xml');
    expect(res.text).not.toContain('<g/>');
  });

  it('when a missing file or an unknown /api path is requested, then it is a JSON 404, not index.html', async () => {
    for (const path of ['/assets/missing.js', '/avatars/nobody.svg', '/api/nothing', '/api']) {
      const res = await send(url, path, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(404);
      expect(ErrorBody.parse(res.body).error.code).toBe('not_found');
    }
  });

  it('when a page is POSTed to, then it is a JSON 404', async () => {
    const res = await send(url, '/call/marigold', { method: 'POST', headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(ErrorBody.parse(res.body).error.code).toBe('not_found');
  });
});

describe('web client when it is not built', () => {
  let url: string;
  beforeAll(async () => {
    url = await serve(join(root, 'no-dist-here'));
  });

  it('when an avatar is fetched, then it is served from web/public', async () => {
    const res = await send(url, '/avatars/ada.svg');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<g/>');
  });

  it('when a page is opened, then a JSON 404 says to build the client', async () => {
    const res = await send(url, '/', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(ErrorBody.parse(res.body).error.message).toContain('npm run build');
  });
});
