import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, builtWeb, launchChromium, microphoneWav, pageToken } from './support/browser.ts';
import { sessionDetail } from './support/sessions.ts';
import { bearer } from './support/auth.ts';
import { type Stack, eventually, startStack } from './support/stack.ts';

// The group call page in Debian's Chromium against the whole stack (API on PGlite, livekit-server,
// the agent worker on offline providers): the owner picks June and Walt, the fake microphone asks
// June a question, and June's avatar must light up while her voice plays, Walt's must not.

// The offline STT recognises this exactly (OFFLINE_STT_PHRASES); June is named, so she answers.
const ASK_JUNE = 'june what do you like to do';

let stack: Stack;
let browser: Browser;
let page: Page;
let sessionId: string;
const pageLog: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    database: 'pglite',
    apiEnv: { WEB_DIST_DIR: builtWeb() },
    agentEnv: { OFFLINE_STT_PHRASES: ASK_JUNE },
  });
  // Silence, then the question, over and over: heard whenever the job gets going on a loaded machine.
  browser = await launchChromium({ microphone: await microphoneWav(ASK_JUNE, 18) });
  page = await browser.newPage();
  page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
});

// A failure shows what the agent and the page were doing, and how the page looked.
beforeEach(({ task }) => {
  onTestFailed(async () => {
    console.error(`the agent's last lines:\n${stack.agentLog.slice(-40).join('\n')}`);
    console.error(`the page's console:\n${pageLog.slice(-40).join('\n')}`);
    await page?.screenshot({ path: join(ARTIFACTS, `group-failed-${task.id}.png`) }).catch(() => {});
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the group call page', () => {
  it('when a signed-out person opens the group page and signs up, then they choose two characters and start a call showing both avatars', async () => {
    await page.goto(`${stack.api.url}/#/signin?next=/group`);
    await page.getByTestId('signin-mode').click();
    await page.getByTestId('signin-email').fill(`group-${Date.now()}@example.test`);
    await page.getByTestId('signin-password').fill('a group password');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('group-setup').waitFor();

    await page.getByTestId('group-pick-june').check();
    expect(await page.getByTestId('group-problem').textContent()).toContain('1 chosen');
    await page.getByTestId('group-pick-walt').check();
    expect(await page.getByTestId('group-problem').textContent()).toBe('');
    // Chain length 0: only the character named answers, so exactly one avatar should light up.
    await page.getByTestId('group-chain').fill('0');
    await page.getByTestId('group-name').fill('Host');
    const created = page.waitForResponse(
      (r) => r.url().endsWith('/api/sessions') && r.request().method() === 'POST',
    );
    await page.getByTestId('group-start').click();
    const response = await created;
    expect(response.status()).toBe(201);
    sessionId = ((await response.json()) as { sessionId: string }).sessionId;

    await page.getByTestId('cast-june').waitFor();
    await page.getByTestId('cast-walt').waitFor();
    await page
      .locator('[data-testid="connection-state"][data-state="connected"]')
      .waitFor({ timeout: 30_000 });
    for (const id of ['june', 'walt'])
      await page.locator(`[data-testid="cast-${id}"][data-present="true"]`).waitFor({ timeout: 60_000 });
    expect(page.url()).toContain(`#/group/${sessionId}`);
    expect(await page.getByTestId('person').allTextContents()).toEqual(['Host (you)']);
    await page.screenshot({ path: join(ARTIFACTS, 'group-call.png') });
  });

  it('when the person asks June a question, then June’s avatar lights up while she speaks and Walt’s does not', async () => {
    // Read in one animation frame, so both avatars are seen at the same instant.
    const lit = await page.waitForFunction(
      () => {
        const flag = (id: string) =>
          document.querySelector(`[data-testid="cast-${id}"]`)?.getAttribute('data-speaking');
        const june = flag('june');
        const walt = flag('walt');
        return june === 'true' || walt === 'true' ? { june, walt } : null;
      },
      undefined,
      { timeout: 100_000, polling: 'raf' },
    );
    expect(await lit.jsonValue()).toEqual({ june: 'true', walt: 'false' });
    expect(await page.getByTestId('cast-status-june').textContent()).toBe('Speaking');
    await page.screenshot({ path: join(ARTIFACTS, 'group-speaking.png') });

    const reply = page
      .locator('[data-testid="transcript-line"][data-role="assistant"][data-speaker="character-june"]')
      .first();
    await reply.waitFor({ timeout: 30_000 });
    expect(await reply.locator('.speaker').textContent()).toBe('June Ray');
    const asked = page.locator('[data-testid="transcript-line"][data-role="user"]').first();
    await asked.waitFor({ timeout: 30_000 });
    expect(await asked.locator('.speaker').textContent()).toBe('You');
  });

  it('when the owner copies an invite link, then the page shows a join link for the call', async () => {
    await page.getByTestId('copy-invite').click();
    const link = page.getByTestId('invite-url');
    await link.waitFor({ state: 'visible' });
    expect(await link.inputValue()).toMatch(/\/#\/join\/[A-Za-z0-9_-]{8,}$/);
    expect(await page.getByTestId('invite-note').textContent()).toMatch(/works until/);
  });

  it('when the owner leaves, then the page disconnects and the session is ended', async () => {
    await page.getByTestId('leave-call').click();
    await page
      .locator('[data-testid="connection-state"][data-state="disconnected"]')
      .waitFor({ timeout: 20_000 });
    const token = await pageToken(page);
    const ended = await eventually(
      () => sessionDetail(stack.api.url, { headers: bearer(token) }, sessionId),
      (s) => s.status === 'ended',
      { what: 'the group session to be ended' },
    );
    expect(ended.mode).toBe('group');
    expect(ended.characterIds).toEqual(['june', 'walt']);
    expect(ended.settings?.chainCap).toBe(0);
  });
});
