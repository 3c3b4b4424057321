import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { loadApiConfig } from '../../api/config.ts';
import { DatabaseUnavailableError } from '../../api/errors.ts';
import { type RunningApi, startApi } from '../../api/main.ts';
import { type Turn, SessionDetail } from '../../protocol/index.ts';
import { agentApiToken } from '../../protocol/internal.ts';
import { ApiClient } from '../api-client.ts';
import { freeTcpPort } from '../../scripts/livekit-server.ts';
import { signUp } from '../../test/support/auth.ts';
import { ApiReporter, spoolFile } from './api-reporter.ts';
import { replaySpool } from './spool.ts';

// The agent's reports against the real API on embedded PGlite: nothing lost while the API is
// down, nothing written twice when a response is lost after the write.

const SECRET = 'reporter-test-secret';
let api: RunningApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function runApi(port: number, pgliteDir = 'memory://'): Promise<RunningApi> {
  const config = loadApiConfig({
    PORT: String(port),
    PGLITE_DIR: pgliteDir,
    LIVEKIT_API_SECRET: SECRET,
    LOG_LEVEL: 'silent',
  });
  return startApi(config);
}

/** A session owned by a fresh account; its bearer headers read the transcript back. */
async function newSession(base: string): Promise<{ sessionId: string; owner: Record<string, string> }> {
  const { headers: owner } = await signUp(base);
  const res = await fetch(`${base}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...owner },
    body: JSON.stringify({ mode: 'call', characterId: 'marigold' }),
  });
  return { sessionId: ((await res.json()) as { sessionId: string }).sessionId, owner };
}

function turn(i: number): Turn {
  const t = new Date(Date.UTC(2026, 0, 1, 12, 0, i)).toISOString();
  return {
    id: randomUUID(),
    role: i % 2 ? 'assistant' : 'user',
    speaker: i % 2 ? 'marigold' : 'caller-1',
    speakerName: i % 2 ? 'Marigold' : 'Caller',
    text: `turn ${i}`,
    heardText: `turn ${i}`,
    interrupted: false,
    startedAt: t,
    endedAt: t,
    metrics: { eouDelayMs: 1, sttDelayMs: 2, llmTtftMs: 3, ttsTtfbMs: 4, voiceToVoiceMs: 5 },
  };
}

async function transcript(base: string, sessionId: string, owner: Record<string, string>) {
  const res = await fetch(`${base}/api/sessions/${sessionId}`, { headers: owner });
  const body: unknown = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return SessionDetail.parse(body).transcript;
}

describe('ApiReporter', () => {
  it('when the API is down while turns happen, then they all arrive once it is back', async () => {
    const port = await freeTcpPort();
    // A session must exist first: start the API, create it, stop the API (data kept on disk).
    const dataDir = mkdtempSync(join(tmpdir(), 'troupe-reporter-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    api = await runApi(port, dataDir);
    const base = api.url;
    const { sessionId, owner } = await newSession(base);
    await api.close();

    const reporter = new ApiReporter({
      api: new ApiClient({ baseUrl: base, token: agentApiToken(SECRET) }),
      sessionId,
      initialBackoffMs: 50,
    });
    const turns = [0, 1, 2, 3, 4].map(turn);
    turns.forEach((t) => reporter.reportTurn(t));
    expect(await reporter.flush(300)).toBe(false);
    expect(reporter.pending).toBe(5);

    api = await runApi(port, dataDir);
    expect(await reporter.flush(20_000)).toBe(true);
    const stored = await transcript(base, sessionId, owner);
    expect(stored.map((t) => t.id)).toEqual(turns.map((t) => t.id));
    expect(stored[1]!.metrics).toEqual({ handoverGapMs: null, ...turns[1]!.metrics });
  });

  it('when the job ends while the API is still down, then its reports are spooled and delivered once, later', async () => {
    const port = await freeTcpPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'troupe-spool-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const spoolDir = join(dataDir, 'spool');
    api = await runApi(port, join(dataDir, 'pglite'));
    const base = api.url;
    const { sessionId, owner } = await newSession(base);
    await api.close();

    const token = agentApiToken(SECRET);
    const reporter = new ApiReporter({
      api: new ApiClient({ baseUrl: base, token }),
      sessionId,
      initialBackoffMs: 50,
      spoolDir,
    });
    const turns = [0, 1, 2].map(turn);
    turns.forEach((t) => reporter.reportTurn(t));
    reporter.reportSummary({ summary: "The caller's name is Ada." });
    expect(await reporter.flush(300)).toBe(false);
    reporter.close();
    expect(existsSync(spoolFile(spoolDir, sessionId))).toBe(true);

    // Still down: a replay delivers nothing and keeps the file.
    expect(
      await replaySpool({ dir: spoolDir, api: new ApiClient({ baseUrl: base, token }), flushTimeoutMs: 300 }),
    ).toBe(0);
    expect(existsSync(spoolFile(spoolDir, sessionId))).toBe(true);

    api = await runApi(port, join(dataDir, 'pglite'));
    expect(await replaySpool({ dir: spoolDir, api: new ApiClient({ baseUrl: base, token }) })).toBe(4);
    expect(existsSync(spoolFile(spoolDir, sessionId))).toBe(false);
    expect((await transcript(base, sessionId, owner)).map((t) => t.id)).toEqual(turns.map((t) => t.id));
    // A second replay finds nothing to send.
    expect(await replaySpool({ dir: spoolDir, api: new ApiClient({ baseUrl: base, token }) })).toBe(0);
  });

  it('when a response is lost after the write, then the retry does not store the turn twice', async () => {
    api = await runApi(0);
    const { sessionId, owner } = await newSession(api.url);
    const target = new URL(api.url);
    let dropped = 0;
    // Forwards every request; for the first one, hangs up instead of passing the response back.
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const upstream = await fetch(`${api!.url}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
        body: Buffer.concat(chunks),
      });
      const body = await upstream.text();
      if (dropped++ === 0) return req.socket.destroy();
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body);
    });
    proxy.listen(0, target.hostname);
    await once(proxy, 'listening');
    const proxyUrl = `http://${target.hostname}:${(proxy.address() as AddressInfo).port}`;
    try {
      const reporter = new ApiReporter({
        api: new ApiClient({ baseUrl: proxyUrl, token: agentApiToken(SECRET) }),
        sessionId,
        initialBackoffMs: 20,
      });
      const t = turn(0);
      reporter.reportTurn(t);
      expect(await reporter.flush(10_000)).toBe(true);
      expect(dropped).toBe(2);
      expect((await transcript(api.url, sessionId, owner)).filter((s) => s.id === t.id)).toHaveLength(1);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it('when the API answers 503 database_unavailable (Postgres restarting), then the report is retried until stored', async () => {
    api = await runApi(0);
    const { sessionId, owner } = await newSession(api.url);
    const target = new URL(api.url);
    const unavailable = new DatabaseUnavailableError();
    let attempts = 0;
    // Answers the first two reports as the API does while its database is down, then forwards.
    const proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      if (attempts++ < 2) {
        res
          .writeHead(503, {
            'content-type': 'application/json',
            'retry-after': String(unavailable.retryAfterInS),
          })
          .end(JSON.stringify(unavailable.toBody()));
        return;
      }
      const upstream = await fetch(`${api!.url}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
        body: Buffer.concat(chunks),
      });
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
    proxy.listen(0, target.hostname);
    await once(proxy, 'listening');
    onTestFinished(() => {
      proxy.closeAllConnections();
      proxy.close();
    });
    const reporter = new ApiReporter({
      api: new ApiClient({
        baseUrl: `http://${target.hostname}:${(proxy.address() as AddressInfo).port}`,
        token: agentApiToken(SECRET),
      }),
      sessionId,
      initialBackoffMs: 20,
    });
    const t = turn(0);
    reporter.reportTurn(t);
    expect(await reporter.flush(10_000)).toBe(true);
    expect(attempts).toBe(3);
    expect(reporter.rejected).toBe(0);
    expect((await transcript(api.url, sessionId, owner)).map((s) => s.id)).toEqual([t.id]);
  });

  it('when the API refuses a report for good, then it is counted and the queue moves on', async () => {
    api = await runApi(0);
    const { sessionId } = await newSession(api.url);
    const reporter = new ApiReporter({
      api: new ApiClient({ baseUrl: api.url, token: 'forged' }),
      sessionId,
      initialBackoffMs: 20,
    });
    reporter.reportTurn(turn(0));
    expect(await reporter.flush(10_000)).toBe(true);
    expect(reporter.rejected).toBe(1);
    expect(reporter.delivered).toBe(0);
  });
});
