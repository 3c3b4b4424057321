import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, builtWeb, launchChromium, microphoneWav, pageToken } from './support/browser.ts';
import { sessionDetail } from './support/sessions.ts';
import { bearer } from './support/auth.ts';
import { type Stack, eventually, startStack } from './support/stack.ts';

// The web client in Debian's Chromium against the whole stack: the fake microphone plays a WAV
// (silence while the companion greets, then a question), and the page must show both sides of the
// conversation, hear the companion (WebAudio level) and end the call.

let stack: Stack;
let browser: Browser;
let page: Page;
let sessionId: string;

beforeAll(async () => {
  stack = await startStack({ database: 'pglite', apiEnv: { WEB_DIST_DIR: builtWeb() } });
  // Silence while the companion greets, the question, then silence (played once).
  browser = await launchChromium({
    microphone: await microphoneWav('hello what do you like to do', 14, 20),
    loop: false,
  });
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the web client', () => {
  it('when a caller opens the catalog, then every companion is listed with its avatar', async () => {
    await page.goto(stack.api.url);
    await page.getByTestId('character-card').first().waitFor();
    expect(await page.getByTestId('character-card').count()).toBeGreaterThanOrEqual(12);
    await page.screenshot({ path: join(ARTIFACTS, 'catalog.png') });
  });

  it('when a signed-out caller presses Start call, then they sign up on the sign-in page and return to the call', async () => {
    await page.goto(`${stack.api.url}/#/call/marigold`);
    await page.getByTestId('start-call').click();
    await page.getByTestId('signin-page').waitFor();
    expect(decodeURIComponent(page.url())).toContain('#/signin?next=/call/marigold');
    await page.getByTestId('signin-mode').click();
    await page.getByTestId('signin-email').fill(`browser-${Date.now()}@example.test`);
    await page.getByTestId('signin-password').fill('a browser password');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('call-page').waitFor();
    expect(page.url()).toMatch(/#\/call\/marigold$/);
    await page.getByTestId('account-email').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'signed-up.png') });
  });

  it('when the caller starts a call and speaks, then both sides appear in the transcript and the companion is heard', async () => {
    await page.goto(`${stack.api.url}/#/call/marigold`);
    const created = page.waitForResponse(
      (r) => r.url().endsWith('/api/sessions') && r.request().method() === 'POST',
    );
    await page.getByTestId('start-call').click();
    sessionId = ((await (await created).json()) as { sessionId: string }).sessionId;
    await page
      .locator('[data-testid="connection-state"][data-state="connected"]')
      .waitFor({ timeout: 30_000 });
    await page.getByTestId('offline-badge').waitFor({ state: 'visible', timeout: 30_000 });
    await page
      .locator('[data-testid="transcript-line"][data-role="assistant"]')
      .first()
      .waitFor({ timeout: 30_000 });
    const user = page.locator('[data-testid="transcript-line"][data-role="user"][data-final="true"]').first();
    await user.waitFor({ timeout: 60_000 });
    expect((await user.locator('.text').textContent())?.trim().length).toBeGreaterThan(0);
    await page
      .locator(
        '[data-testid="transcript-line"][data-role="user"] ~ [data-testid="transcript-line"][data-role="assistant"]',
      )
      .first()
      .waitFor({ timeout: 30_000 });
    const maxLevel = Number(await page.getByTestId('agent-level').getAttribute('data-max-level'));
    expect(maxLevel).toBeGreaterThan(0.01);
    await page.screenshot({ path: join(ARTIFACTS, 'call.png') });
  });

  it('when the caller ends the call, then the page disconnects and the session is ended', async () => {
    await page.getByTestId('end-call').click();
    await page
      .locator('[data-testid="connection-state"][data-state="disconnected"]')
      .waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'ended.png') });
    // The page's own bearer token: the session belongs to the account signed up above.
    const token = await pageToken(page);
    const ended = await eventually(
      () => sessionDetail(stack.api.url, { headers: bearer(token) }, sessionId),
      (s) => s.status === 'ended',
      { what: 'the session to be ended' },
    );
    expect(ended.durationMs).toBeGreaterThan(0);
    expect(ended.transcript.map((t) => t.role)).toEqual(expect.arrayContaining(['user', 'assistant']));
  });
});
