import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadApiConfig, projectRoot } from './config.ts';

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadApiConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => i.variable);
    throw err;
  }
  return [];
}

describe('loadApiConfig', () => {
  it('when the environment is empty, then every default applies', () => {
    expect(loadApiConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      pgliteDir: join(projectRoot, 'data/pglite'),
      livekitUrl: 'ws://127.0.0.1:7880',
      livekitPublicUrl: 'ws://127.0.0.1:7880',
      livekitApiKey: 'devkey',
      livekitApiSecret: 'secret',
      logLevel: 'info',
      webDistDir: join(projectRoot, 'web/dist'),
      webPublicDir: join(projectRoot, 'web/public'),
      bodyLimitBytes: 64 * 1024,
      roomTokenTtlMs: 2 * 3_600_000,
    });
  });

  it('when every variable is set, then each is used', () => {
    const config = loadApiConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://troupe:pw@db:5432/troupe',
      PGLITE_DIR: '/var/lib/troupe',
      LIVEKIT_URL: 'ws://livekit:7880',
      LIVEKIT_PUBLIC_URL: 'wss://media.example.com',
      LIVEKIT_API_KEY: 'key',
      LIVEKIT_API_SECRET: 'a-long-secret',
      LOG_LEVEL: 'debug',
      WEB_DIST_DIR: '/srv/web',
      WEB_PUBLIC_DIR: 'public',
      BODY_LIMIT: '1MB',
      ROOM_TOKEN_TTL: '45m',
    });
    expect(config).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgres://troupe:pw@db:5432/troupe',
      pgliteDir: '/var/lib/troupe',
      livekitUrl: 'ws://livekit:7880',
      livekitPublicUrl: 'wss://media.example.com',
      livekitApiKey: 'key',
      livekitApiSecret: 'a-long-secret',
      logLevel: 'debug',
      webDistDir: '/srv/web',
      webPublicDir: join(projectRoot, 'public'),
      bodyLimitBytes: 1024 * 1024,
      roomTokenTtlMs: 45 * 60_000,
    });
  });

  it('when LIVEKIT_PUBLIC_URL is unset, then browsers get LIVEKIT_URL', () => {
    expect(loadApiConfig({ LIVEKIT_URL: 'wss://lk.example.com' }).livekitPublicUrl).toBe(
      'wss://lk.example.com',
    );
  });

  it('when a variable is empty, as `KEY=` in a .env file, then it counts as unset', () => {
    const config = loadApiConfig({ DATABASE_URL: '', PORT: ' ', LIVEKIT_PUBLIC_URL: '' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.port).toBe(3000);
    expect(config.livekitPublicUrl).toBe('ws://127.0.0.1:7880');
  });

  it('when sizes and durations come as bare numbers, then they are bytes and seconds', () => {
    const config = loadApiConfig({ BODY_LIMIT: '2048', ROOM_TOKEN_TTL: '600' });
    expect(config.bodyLimitBytes).toBe(2048);
    expect(config.roomTokenTtlMs).toBe(600_000);
  });

  it('when PGLITE_DIR is memory://, then it is kept as is', () => {
    expect(loadApiConfig({ PGLITE_DIR: 'memory://' }).pgliteDir).toBe('memory://');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x/y'],
    ['DATABASE_URL', 'not a url'],
    ['LIVEKIT_URL', 'ftp://x'],
    ['LIVEKIT_PUBLIC_URL', 'localhost:7880'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT', '10gb'],
    ['BODY_LIMIT', '12'],
    ['ROOM_TOKEN_TTL', '2 hours'],
    ['ROOM_TOKEN_TTL', '5s'],
  ])('when %s is %j, then loading fails naming that variable', (variable, value) => {
    expect(issuesOf({ [variable]: value })).toEqual([variable]);
  });

  it('when several variables are bad, then the error names each of them', () => {
    expect(() => loadApiConfig({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/PORT[\s\S]*LOG_LEVEL/);
  });
});
