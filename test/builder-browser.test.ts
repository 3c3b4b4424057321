import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CreateSessionResponse, type Turn } from '../protocol/index.ts';
import { agentApiToken } from '../protocol/internal.ts';
import { ARTIFACTS, builtWeb, launchChromium, pageToken } from './support/browser.ts';
import { bearer } from './support/auth.ts';
import { type Stack, startStack } from './support/stack.ts';

// The builder, catalog and history pages in Debian's Chromium against the whole stack (real API
// on PGlite, real livekit-server): sign up, build a character through the form, find it with the
// catalog's search, then read a session's transcript and latency chart on the history pages.

let stack: Stack;
let browser: Browser;
let page: Page;
let characterId: string;
let sessionId: string;
const suffix = randomUUID().slice(0, 8);
const name = `Captain Mira ${suffix}`;

beforeAll(async () => {
  stack = await startStack({ database: 'pglite', apiEnv: { WEB_DIST_DIR: builtWeb() } });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('dialog', (d) => void d.accept());
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

function turn(role: Turn['role'], at: number, text: string, over: Partial<Turn> = {}): Turn {
  const start = new Date(Date.now() - 60_000 + at * 1000);
  return {
    id: randomUUID(),
    role,
    speaker: role === 'user' ? 'caller-1' : characterId,
    speakerName: role === 'user' ? 'Guest Tester' : name,
    text,
    heardText: text,
    interrupted: false,
    startedAt: start.toISOString(),
    endedAt: new Date(start.getTime() + 2000).toISOString(),
    metrics:
      role === 'user'
        ? { eouDelayMs: 310, sttDelayMs: 140, llmTtftMs: null, ttsTtfbMs: null, voiceToVoiceMs: null }
        : {
            eouDelayMs: 310,
            sttDelayMs: 140,
            llmTtftMs: 420 + at,
            ttsTtfbMs: 180,
            voiceToVoiceMs: 1050 + at,
          },
    ...over,
  };
}

describe('the builder, catalog and history pages', () => {
  it('when someone signs up and saves a blank builder form, then the required fields are marked', async () => {
    await page.goto(`${stack.api.url}/#/signin?next=${encodeURIComponent('/build')}`);
    await page.getByTestId('signin-mode').click();
    await page.getByTestId('signin-email').fill(`builder-${suffix}@example.test`);
    await page.getByTestId('signin-password').fill('a builder password');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('builder-form').waitFor();
    await page.getByTestId('builder-save').click();
    await page.getByTestId('builder-name-error').waitFor({ state: 'visible' });
    expect(await page.getByTestId('builder-name-error').textContent()).toBe('Required.');
    expect(await page.getByTestId('builder-persona-traits-error').textContent()).toBe('Add at least 1.');
  });

  it('when a description is given to Generate, then the form is filled with a draft that passes validation', async () => {
    await page.getByTestId('generate-description').fill('a retired lighthouse keeper who loves crosswords');
    await page.getByTestId('generate').click();
    await page.getByTestId('generate-status').filter({ hasText: 'Draft by' }).waitFor();
    expect((await page.getByTestId('builder-name').inputValue()).length).toBeGreaterThan(0);
    expect((await page.getByTestId('builder-persona-traits').inputValue()).length).toBeGreaterThan(0);
    expect(await page.getByTestId('builder-name-error').isVisible()).toBe(false);
  });

  it('when the voice preview is pressed on the unsaved form, then a WAV plays', async () => {
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/voices/preview'));
    await page.getByTestId('voice-preview').click();
    const res = await answered;
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toMatch(/^audio\/wav/);
    await page.getByTestId('voice-preview-audio').waitFor({ state: 'visible' });
  });

  it('when the builder form is filled and saved, then the character is created and opens for editing', async () => {
    await page.getByTestId('builder-name').fill(name);
    await page.getByTestId('builder-tagline').fill('Sails the fog with a lantern');
    await page.getByTestId('builder-tags').fill('Sea, lanterns');
    await page.getByTestId('builder-persona-background').fill('A retired ship captain who misses the sea.');
    await page.getByTestId('builder-persona-traits').fill('gruff, kind');
    await page.getByTestId('builder-persona-interests').fill('knots, tides');
    await page.getByTestId('builder-persona-tone').fill('salty and warm');
    await page.getByTestId('builder-persona-speakingStyle').fill('Short sentences, nautical words.');
    await page.getByTestId('builder-greeting').fill('Ahoy there.');
    await page.getByTestId('builder-alternateGreetings').fill('Welcome aboard.\nMind the rigging.');
    await page.getByTestId('builder-talkativeness').fill('0.8');
    await page.getByTestId('builder-voice-espeak-rate').fill('160');
    await page.getByTestId('builder-save').click();
    await page.waitForURL(/#\/build\/[a-z0-9-]+$/);
    characterId = decodeURIComponent(new URL(page.url()).hash.replace('#/build/', ''));
    await page.locator(`[data-testid="builder-page"][data-character-id="${characterId}"]`).waitFor();
    expect(await page.getByTestId('builder-name').inputValue()).toBe(name);
    expect(await page.getByTestId('builder-tags').inputValue()).toBe('sea, lanterns');
    expect(await page.getByTestId('builder-talkativeness').inputValue()).toBe('0.8');
    await page.screenshot({ path: join(ARTIFACTS, 'builder.png'), fullPage: true });
  });

  it('when the catalog is searched for the new character, then it is the one card shown, with Edit', async () => {
    await page.goto(`${stack.api.url}/#/`);
    await page.getByTestId('character-card').first().waitFor();
    await page.getByTestId('catalog-search').fill(`mira ${suffix}`);
    await page.locator('[data-testid="character-card"]').nth(1).waitFor({ state: 'detached' });
    const card = page.locator(`[data-testid="character-card"][data-character-id="${characterId}"]`);
    await card.waitFor();
    expect(await page.getByTestId('character-card').count()).toBe(1);
    expect(await page.getByTestId('edit-character').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'catalog-search.png') });
  });

  it('when a session of that character has turns, then its history page shows the transcript and one bar group per reply', async () => {
    const token = await pageToken(page);
    const res = await fetch(`${stack.api.url}/api/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify({ mode: 'call', characterId, displayName: 'Guest Tester' }),
    });
    expect(res.status).toBe(201);
    sessionId = CreateSessionResponse.parse(await res.json()).sessionId;
    const turns = [
      turn('user', 0, 'Ahoy, captain. How are the tides?'),
      turn('assistant', 3, 'High and restless, like me.'),
      turn('user', 8, 'Tell me a story.'),
      turn('assistant', 11, 'Once, in a fog as thick as porridge, we lost the lighthouse entirely.', {
        interrupted: true,
        heardText: 'Once, in a fog as thick as porridge,',
      }),
      turn('user', 15, 'Wait, what happened?'),
      turn('assistant', 17, 'We followed the gulls home.'),
    ];
    for (const t of turns) {
      const r = await fetch(`${stack.api.url}/api/internal/sessions/${sessionId}/turns`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(agentApiToken(stack.livekit.apiSecret)) },
        body: JSON.stringify(t),
      });
      expect(r.status, await r.text()).toBe(201);
    }

    await page.goto(`${stack.api.url}/#/history`);
    await page.locator(`[data-testid="session-row"][data-session-id="${sessionId}"] a`).click();
    await page.locator(`[data-testid="session-page"][data-session-id="${sessionId}"]`).waitFor();
    const lines = page.getByTestId('history-turn');
    expect(await lines.count()).toBe(6);
    expect(await lines.nth(0).locator('.speaker').textContent()).toBe('Guest Tester');
    expect(await lines.nth(1).locator('.speaker').textContent()).toBe(name);
    const interrupted = page.locator('[data-testid="history-turn"][data-interrupted="true"]');
    expect(await interrupted.getByTestId('unheard').textContent()).toBe(' we lost the lighthouse entirely.');

    const chart = page.getByTestId('latency-chart');
    await chart.waitFor();
    expect(await chart.getByTestId('latency-group').count()).toBe(3);
    expect(await chart.locator('[data-testid="latency-group"]').first().locator('rect').count()).toBe(4);
    expect(await chart.locator('.v2v-marker').count()).toBe(3);
    expect(await page.getByTestId('latency-legend').locator('li').count()).toBe(5);
    await page.screenshot({ path: join(ARTIFACTS, 'session-history.png'), fullPage: true });
  });

  it("when the character's analytics are opened, then the session is counted, the busiest hours charted and the engagement shown", async () => {
    await page.goto(`${stack.api.url}/#/analytics/${characterId}`);
    await page.getByTestId('analytics-totals').waitFor();
    expect(await page.getByTestId('total-sessions').locator('dd').textContent()).toBe('1');
    expect(await page.getByTestId('total-replies').locator('dd').textContent()).toBe('3');
    expect(await page.getByTestId('busiest-hours-chart').locator('.count-bar').count()).toBe(24);
    await page.getByTestId('engagement').waitFor();
    expect(await page.getByTestId('engagement-people').locator('dd').textContent()).toBe('1');
    // The caller spoke first, then answered the first two replies: two of three replies answered.
    expect(await page.getByTestId('engagement-follow-up-rate').locator('dd').textContent()).toBe('67 %');
    expect(await page.getByTestId('topics-chart').locator('.topic-bar').count()).toBeGreaterThan(2);
    expect(
      await page.getByTestId('sentiment-chart').locator('.sentiment-bar').count(),
    ).toBeGreaterThanOrEqual(30);
    expect(await page.getByTestId('engagement-sessions').locator('tbody tr').count()).toBe(1);
    await page.getByTestId('engagement-csv').waitFor();
    await page.locator('[data-testid="range-picker"] [data-days="7"]').click();
    await page.locator('[data-testid="range-picker"] [data-days="7"][aria-pressed="true"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'analytics.png'), fullPage: true });
  });
});
