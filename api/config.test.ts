import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  deriveAuthSecret,
  deriveBroadcastSecretKey,
  loadApiConfig,
  projectRoot,
} from './config.ts';

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
      agentDispatch: { joinTimeoutMs: 5000, dispatchAttempts: 4 },
      logLevel: 'info',
      webDistDir: join(projectRoot, 'web/dist'),
      webPublicDir: join(projectRoot, 'web/public'),
      bodyLimitBytes: 64 * 1024,
      cardUploadLimitBytes: 20 * 1024 * 1024,
      roomTokenTtlMs: 2 * 3_600_000,
      rateLimitPerMinute: 300,
      authRateLimitPerMinute: 20,
      redisUrl: undefined,
      trustProxy: false,
      corsOrigins: [],
      metricsEnabled: true,
      authSecret: deriveAuthSecret('secret'),
      authSecretSource: 'derived',
      authTokenTtlMs: 3_600_000,
      operator: undefined,
      avatarUploadLimitBytes: 2 * 1024 * 1024,
      builderRateLimitPerMinute: 10,
      providers: {
        openai: { apiKey: undefined, baseUrl: undefined },
        stt: { baseUrl: undefined, apiKey: undefined, model: 'gpt-4o-mini-transcribe' },
        llm: { baseUrl: undefined, apiKey: undefined, model: 'gpt-4.1-mini' },
        tts: { baseUrl: undefined, apiKey: undefined, model: 'gpt-4o-mini-tts' },
        elevenlabs: { apiKey: undefined, baseUrl: undefined, model: 'eleven_flash_v2_5' },
        offline: { sttPhrases: [] },
      },
      knowledgeUploadLimitBytes: 1024 * 1024,
      embeddings: undefined,
      broadcast: {
        secretKey: deriveBroadcastSecretKey('secret'),
        secretKeySource: 'derived',
        previousSecretKey: undefined,
        egressEnabled: false,
        publicWebUrl: 'http://127.0.0.1:3000',
      },
      analytics: { maxSessions: 50_000, maxTopics: 100, maxRecentSessions: 500, catchUpBatchSessions: 100 },
      libraryImport: {
        uploadLimitBytes: 100 * 1024 * 1024,
        maxCards: 1000,
        maxUncompressedBytes: 512 * 1024 * 1024,
        maxCardBytes: 20 * 1024 * 1024,
        maxRunning: 2,
        staleAfterMs: 60_000,
      },
      showControl: {
        defaultWaitMs: 10_000,
        maxWaitMs: 60_000,
        pollMs: 250,
        sendAttempts: 5,
        resendMs: 2000,
        commandTtlMs: 300_000,
        maxPending: 50,
        webhookAttempts: 4,
        webhookRetryMs: 1000,
        webhookTimeoutMs: 5000,
      },
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
      AGENT_JOIN_TIMEOUT_MS: '2500',
      AGENT_DISPATCH_ATTEMPTS: '6',
      LOG_LEVEL: 'debug',
      WEB_DIST_DIR: '/srv/web',
      WEB_PUBLIC_DIR: 'public',
      BODY_LIMIT: '1MB',
      CARD_UPLOAD_LIMIT: '5mb',
      ROOM_TOKEN_TTL: '45m',
      RATE_LIMIT_PER_MINUTE: '600',
      AUTH_RATE_LIMIT_PER_MINUTE: '5',
      REDIS_URL: 'redis://:pw@redis:6379/2',
      CORS_ORIGINS: 'https://app.example.com,http://localhost:5173',
      METRICS_ENABLED: 'false',
      AUTH_SECRET: 'an-auth-secret-of-at-least-32-characters',
      AUTH_TOKEN_TTL: '15m',
      OPERATOR_EMAIL: ' Ops@Example.com ',
      OPERATOR_PASSWORD: 'correct horse battery',
      AVATAR_UPLOAD_LIMIT: '1mb',
      BUILDER_RATE_LIMIT_PER_MINUTE: '3',
      OPENAI_API_KEY: 'sk-openai',
      OPENAI_BASE_URL: 'http://openai.local/v1',
      LLM_BASE_URL: 'http://ollama:11434/v1',
      LLM_API_KEY: 'llm-key',
      LLM_MODEL: 'llama3',
      TTS_BASE_URL: 'http://kokoro:8880/v1',
      TTS_API_KEY: 'tts-key',
      TTS_MODEL: 'kokoro',
      ELEVENLABS_API_KEY: 'el-key',
      ELEVENLABS_BASE_URL: 'https://eu.elevenlabs.example/v1',
      ELEVENLABS_MODEL: 'eleven_multilingual_v2',
      KNOWLEDGE_UPLOAD_LIMIT: '2mb',
      EMBEDDINGS_BASE_URL: 'http://embeddings:8080/v1',
      EMBEDDINGS_API_KEY: 'emb-key',
      EMBEDDINGS_MODEL: 'nomic-embed-text',
      ANALYTICS_MAX_SESSIONS: '1000',
      ANALYTICS_MAX_TOPICS: '10',
      ANALYTICS_MAX_RECENT_SESSIONS: '50',
      ANALYTICS_CATCH_UP_BATCH: '20',
      LIBRARY_IMPORT_UPLOAD_LIMIT: '50mb',
      LIBRARY_IMPORT_MAX_CARDS: '200',
      LIBRARY_IMPORT_MAX_UNCOMPRESSED: '2gb',
      LIBRARY_IMPORT_MAX_CARD_SIZE: '8mb',
      LIBRARY_IMPORT_MAX_RUNNING: '4',
      LIBRARY_IMPORT_STALE_AFTER: '5m',
      SHOW_CONTROL_WAIT_MS: '90000',
      SHOW_CONTROL_MAX_WAIT_MS: '30000',
      SHOW_CONTROL_POLL_MS: '100',
      SHOW_CONTROL_SEND_ATTEMPTS: '3',
      SHOW_CONTROL_RESEND_MS: '500',
      SHOW_CONTROL_COMMAND_TTL_MS: '600000',
      SHOW_CONTROL_MAX_PENDING: '10',
      SHOW_CONTROL_WEBHOOK_ATTEMPTS: '2',
      SHOW_CONTROL_WEBHOOK_RETRY_MS: '200',
      SHOW_CONTROL_WEBHOOK_TIMEOUT_MS: '1500',
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
      agentDispatch: { joinTimeoutMs: 2500, dispatchAttempts: 6 },
      logLevel: 'debug',
      webDistDir: '/srv/web',
      webPublicDir: join(projectRoot, 'public'),
      bodyLimitBytes: 1024 * 1024,
      cardUploadLimitBytes: 5 * 1024 * 1024,
      roomTokenTtlMs: 45 * 60_000,
      rateLimitPerMinute: 600,
      authRateLimitPerMinute: 5,
      redisUrl: 'redis://:pw@redis:6379/2',
      trustProxy: false,
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      metricsEnabled: false,
      authSecret: 'an-auth-secret-of-at-least-32-characters',
      authSecretSource: 'env',
      authTokenTtlMs: 15 * 60_000,
      operator: { email: 'ops@example.com', password: 'correct horse battery' },
      avatarUploadLimitBytes: 1024 * 1024,
      builderRateLimitPerMinute: 3,
      providers: {
        openai: { apiKey: 'sk-openai', baseUrl: 'http://openai.local/v1' },
        stt: { baseUrl: undefined, apiKey: undefined, model: 'gpt-4o-mini-transcribe' },
        llm: { baseUrl: 'http://ollama:11434/v1', apiKey: 'llm-key', model: 'llama3' },
        tts: { baseUrl: 'http://kokoro:8880/v1', apiKey: 'tts-key', model: 'kokoro' },
        elevenlabs: {
          apiKey: 'el-key',
          baseUrl: 'https://eu.elevenlabs.example/v1',
          model: 'eleven_multilingual_v2',
        },
        offline: { sttPhrases: [] },
      },
      knowledgeUploadLimitBytes: 2 * 1024 * 1024,
      embeddings: { baseUrl: 'http://embeddings:8080/v1', apiKey: 'emb-key', model: 'nomic-embed-text' },
      broadcast: {
        secretKey: deriveBroadcastSecretKey('a-long-secret'),
        secretKeySource: 'derived',
        previousSecretKey: undefined,
        egressEnabled: false,
        publicWebUrl: 'http://127.0.0.1:8080',
      },
      analytics: { maxSessions: 1000, maxTopics: 10, maxRecentSessions: 50, catchUpBatchSessions: 20 },
      libraryImport: {
        uploadLimitBytes: 50 * 1024 * 1024,
        maxCards: 200,
        maxUncompressedBytes: 2 * 1024 ** 3,
        maxCardBytes: 8 * 1024 * 1024,
        maxRunning: 4,
        staleAfterMs: 5 * 60_000,
      },
      // The default wait is capped by the longest one a request may ask for.
      showControl: {
        defaultWaitMs: 30_000,
        maxWaitMs: 30_000,
        pollMs: 100,
        sendAttempts: 3,
        resendMs: 500,
        commandTtlMs: 600_000,
        maxPending: 10,
        webhookAttempts: 2,
        webhookRetryMs: 200,
        webhookTimeoutMs: 1500,
      },
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

  it('when CORS_ORIGINS has spaces, a trailing slash or capitals, then each origin is kept as a browser sends it', () => {
    expect(
      loadApiConfig({ CORS_ORIGINS: ' https://App.Example.com/ , http://localhost:5173,, ' }).corsOrigins,
    ).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('when the rate limits are 0 and METRICS_ENABLED is no, then limits and metrics are off', () => {
    const config = loadApiConfig({
      RATE_LIMIT_PER_MINUTE: '0',
      AUTH_RATE_LIMIT_PER_MINUTE: '0',
      METRICS_ENABLED: 'No',
    });
    expect(config).toMatchObject({ rateLimitPerMinute: 0, authRateLimitPerMinute: 0, metricsEnabled: false });
  });

  it('when AUTH_SECRET is unset, then the signing key is derived from the LiveKit secret and differs from it', () => {
    const a = loadApiConfig({ LIVEKIT_API_SECRET: 'one-livekit-secret' });
    const b = loadApiConfig({ LIVEKIT_API_SECRET: 'another-livekit-secret' });
    expect(a.authSecret).not.toBe(b.authSecret);
    expect(a.authSecret).not.toContain('one-livekit-secret');
    expect(a.authSecret.length).toBeGreaterThanOrEqual(32);
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
    ['CARD_UPLOAD_LIMIT', '200mb'],
    ['ROOM_TOKEN_TTL', '2 hours'],
    ['ROOM_TOKEN_TTL', '5s'],
    ['RATE_LIMIT_PER_MINUTE', '-1'],
    ['RATE_LIMIT_PER_MINUTE', 'lots'],
    ['AUTH_RATE_LIMIT_PER_MINUTE', '1.5'],
    ['REDIS_URL', 'http://redis:6379'],
    ['REDIS_URL', 'redis:6379'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'ftp://files.example.com'],
    ['METRICS_ENABLED', 'maybe'],
    ['AUTH_SECRET', 'too-short'],
    ['AUTH_TOKEN_TTL', '10s'],
    ['ANALYTICS_MAX_TOPICS', '0'],
    ['ANALYTICS_CATCH_UP_BATCH', 'many'],
    ['LIBRARY_IMPORT_UPLOAD_LIMIT', '1gb'],
    ['LIBRARY_IMPORT_MAX_CARDS', '0'],
    ['LIBRARY_IMPORT_MAX_UNCOMPRESSED', '5gb'],
    ['LIBRARY_IMPORT_MAX_RUNNING', 'two'],
    ['LIBRARY_IMPORT_STALE_AFTER', '10s'],
    ['SHOW_CONTROL_MAX_WAIT_MS', '-1'],
    ['SHOW_CONTROL_POLL_MS', '5'],
    ['SHOW_CONTROL_WEBHOOK_ATTEMPTS', 'many'],
  ])('when %s is %j, then loading fails naming that variable', (variable, value) => {
    expect(issuesOf({ [variable]: value })).toEqual([variable]);
  });

  it.each([
    [{ OPERATOR_EMAIL: 'ops@example.com' }, 'OPERATOR_PASSWORD'],
    [{ OPERATOR_PASSWORD: 'correct horse battery' }, 'OPERATOR_EMAIL'],
    [{ OPERATOR_EMAIL: 'ops@example.com', OPERATOR_PASSWORD: 'short' }, 'OPERATOR_PASSWORD'],
    [{ OPERATOR_EMAIL: 'not-an-email', OPERATOR_PASSWORD: 'correct horse battery' }, 'OPERATOR_EMAIL'],
  ])('when the operator is half configured (%j), then loading fails naming %s', (env, variable) => {
    expect(issuesOf(env)).toEqual([variable]);
  });

  it('when the configuration fails to load, then no operator password is in the message', () => {
    expect(() =>
      loadApiConfig({ OPERATOR_EMAIL: 'bad', OPERATOR_PASSWORD: 'sekrit-passw0rd-value' }),
    ).toThrow(ConfigError);
    try {
      loadApiConfig({ OPERATOR_EMAIL: 'bad', OPERATOR_PASSWORD: 'sekrit-passw0rd-value' });
    } catch (err) {
      expect(String(err)).not.toContain('sekrit-passw0rd-value');
    }
  });

  it('when several variables are bad, then the error names each of them', () => {
    expect(() => loadApiConfig({ PORT: 'x', LOG_LEVEL: 'y' })).toThrow(/PORT[\s\S]*LOG_LEVEL/);
  });
});
