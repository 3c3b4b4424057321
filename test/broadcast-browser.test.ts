import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, builtWeb, launchChromium } from './support/browser.ts';
import { type RtmpIngest, startRtmpIngest } from './support/rtmp-ingest.ts';
import { type Stack, eventually, startStack, within } from './support/stack.ts';

// The broadcast pages in Debian's Chromium against the whole stack (API on PGlite, livekit-server,
// the agent worker on offline providers) and a real RTMP ingest (nginx-rtmp): the owner creates a
// broadcast of June and Walt to the local ingest on the control page, starts it and sees it go
// live; the stage page, opened with the OBS URL in a browser with no account, shows both avatars
// and a caption of what the characters say on their own (autonomous talk).

const KEY = `test-stream-key-${randomUUID()}`;

let stack: Stack;
let ingest: RtmpIngest;
let browser: Browser;
let page: Page;
let viewer: BrowserContext | undefined;
let broadcastId: string;
let obsUrl: string;

beforeAll(async () => {
  ingest = await startRtmpIngest();
  stack = await startStack({ database: 'pglite', apiEnv: { WEB_DIST_DIR: builtWeb() } });
  browser = await launchChromium();
  page = await browser.newPage();
});

afterAll(async () => {
  await viewer?.close();
  await browser?.close();
  await stack?.stop();
  await ingest?.stop();
});

describe('the broadcast pages', () => {
  it('when the owner signs up and saves a broadcast to the local ingest, then the page shows it with its destination key set and never the key', async () => {
    await page.goto(`${stack.api.url}/#/signin?next=/broadcast/new`);
    await page.getByTestId('signin-mode').click();
    await page.getByTestId('signin-email').fill(`broadcast-${Date.now()}@example.test`);
    await page.getByTestId('signin-password').fill('a broadcast password');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('broadcast-form').waitFor();

    await page.getByTestId('broadcast-title').fill('River talk');
    await page.getByTestId('broadcast-pick-june').check();
    await page.getByTestId('broadcast-pick-walt').check();
    await page.getByTestId('broadcast-channel').fill('troupe_test');
    await page.getByTestId('broadcast-destination-add').click();
    await page.getByTestId('broadcast-dest-name-0').fill('Local ingest');
    await page.getByTestId('broadcast-dest-url-0').fill(ingest.url);
    await page.getByTestId('broadcast-dest-key-0').fill(KEY);
    // The characters talk on their own after a second of silence: no microphone in this test.
    await page.getByTestId('broadcast-auto-enabled').check();
    await page.getByTestId('broadcast-auto-idle').fill('1');
    await page.getByTestId('broadcast-auto-cadence').fill('5');
    await page.getByTestId('broadcast-auto-agenda').fill('the river this morning');
    await page.getByTestId('broadcast-output').selectOption('builtin');
    const created = page.waitForResponse(
      (r) => r.url().endsWith('/api/broadcasts') && r.request().method() === 'POST',
    );
    await page.getByTestId('broadcast-save').click();
    const response = await created;
    expect(response.status()).toBe(201);
    const body = (await response.json()) as { id: string; destinations: Array<{ streamKeySet: boolean }> };
    broadcastId = body.id;
    expect(body.destinations).toEqual([expect.objectContaining({ streamKeySet: true })]);
    expect(JSON.stringify(body)).not.toContain(KEY);

    await page.locator('[data-testid="broadcast-status"][data-status="idle"]').waitFor();
    expect(page.url()).toContain(`#/broadcast/${broadcastId}`);
    expect(await page.getByTestId('broadcast-dest-key-0-state').textContent()).toBe('Key set');
    expect(await page.getByTestId('broadcast-dest-key-0').isHidden()).toBe(true);
    expect(await page.getByTestId('broadcast-dest-key-0').inputValue()).toBe('');
    expect(await page.content()).not.toContain(KEY);
  });

  it('when the owner starts the broadcast, then the page shows it starting with the built-in output and joins its room', async () => {
    const started = page.waitForResponse((r) => r.url().endsWith(`/api/broadcasts/${broadcastId}/start`));
    await page.getByTestId('broadcast-start').click();
    expect((await started).status()).toBe(200);
    await page
      .locator('[data-testid="broadcast-status"]:is([data-status="starting"], [data-status="live"])')
      .waitFor();
    expect(await page.getByTestId('broadcast-output-used').textContent()).toBe('Output: built-in');
    await page
      .locator('[data-testid="broadcast-room-state"][data-state="connected"]')
      .waitFor({ timeout: 30_000 });
    for (const id of ['june', 'walt']) await page.getByTestId(`broadcast-switch-${id}`).waitFor();
  });

  it('when the owner copies the OBS URL and a browser with no account opens it, then the stage shows both avatars and a caption', async () => {
    await page.getByTestId('broadcast-copy-obs').click();
    const field = page.getByTestId('broadcast-obs-url');
    await field.waitFor({ state: 'visible' });
    obsUrl = await field.inputValue();
    expect(obsUrl).toMatch(new RegExp(`/#/stage/${broadcastId}\\?token=[^&]+&url=ws`));

    // A fresh context: no signed-in account, as in OBS. The URL's origin is PUBLIC_WEB_URL, which
    // the stack leaves at its default; the page is the same one the API serves.
    viewer = await browser.newContext();
    const stage = await viewer.newPage();
    await stage.goto(`${stack.api.url}/${obsUrl.slice(obsUrl.indexOf('#'))}`);
    await stage.locator('[data-testid="stage"][data-state="connected"]').waitFor({ timeout: 30_000 });
    for (const id of ['june', 'walt'])
      await within(
        stack,
        stage.locator(`[data-testid="stage-avatar-${id}"][data-present="true"]`).waitFor({ timeout: 65_000 }),
        `${id}'s avatar on the stage`,
        60_000,
      );
    expect(await stage.locator('[data-testid="stage-avatar-june"] img').getAttribute('src')).toBe(
      '/avatars/june.svg',
    );
    const caption = stage.getByTestId('stage-caption').first();
    await within(stack, caption.waitFor({ timeout: 90_000 }), 'a caption on the stage', 91_000);
    expect((await caption.textContent())?.trim().length).toBeGreaterThan(0);
    expect(['june', 'walt']).toContain(await caption.getAttribute('data-speaker'));
    await stage.screenshot({ path: join(ARTIFACTS, 'broadcast-stage.png') });
  });

  it('when the built-in output reaches the ingest, then the control page shows the broadcast live and the ingest records it', async () => {
    await within(
      stack,
      page.locator('[data-testid="broadcast-status"][data-status="live"]').waitFor({ timeout: 65_000 }),
      'live status on the control page',
      60_000,
    );
    await eventually(
      async () => ingest.recordings().length,
      (n) => n > 0,
      { what: 'a recording at the RTMP ingest', timeoutMs: 30_000 },
    );
    await page.screenshot({ path: join(ARTIFACTS, 'broadcast-control.png') });
  });

  it('when the owner stops the broadcast, then the page shows it ended', async () => {
    await page.getByTestId('broadcast-stop').click();
    await page.locator('[data-testid="broadcast-status"][data-status="ended"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('broadcast-start').isEnabled()).toBe(true);
  });
});
