import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchBrowser, signIn } from './browser.ts';
import { type DashboardServer, startDashboardServer } from './harness.ts';

// Partner ids, pasted values, public ids and reasons are attacker-controlled. Each payload would set
// window.__pwned if any of it were ever parsed as HTML.
const PARTNER_ATTRIBUTE = '"><img src=x onerror="window.__pwned=1">';
const PARTNER_SCRIPT = '<script>window.__pwned=2</script>';
const PASTED = `AUTH "><svg onload=window.__pwned=3><script>window.__pwned=4</script>:1672650133163:1:${'0'.repeat(64)}`;
// No space, so the header parses and the key reaches the stream (unknown keys are cut to 4 characters there).
const PRESENTED_KEY = '<img/src=x/onerror=window.__pwned=5>';

/** Runs `expression` in the page (a string, so this file needs no DOM types). */
function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

const SCRIPTS = "document.querySelectorAll('script').length";
const INJECTED =
  "document.querySelectorAll('img, svg:not(.plot), iframe, object, embed, [onerror], [onload], [onclick]').length";

describe.skipIf(browserMissing)(browserMissing ?? 'dashboard: every value is rendered inert (XSS)', () => {
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startDashboardServer();
    browser = await launchBrowser();
    // The CSP would block inline handlers anyway; with it bypassed, only the escaping stands between a payload and
    // the page, so this test checks the escaping itself.
    const context = await browser.newContext({ bypassCSP: true, locale: 'en-GB' });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows hostile partner ids, pasted headers and presented keys as text, and runs none of them', async () => {
    await signIn(page, server.dashboard, server.adminToken);
    const scripts = await inPage<number>(page, SCRIPTS);

    for (const partner of [PARTNER_ATTRIBUTE, PARTNER_SCRIPT]) {
      await page.getByLabel('Partner', { exact: true }).fill(partner);
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      await page.locator('#secret-panel').waitFor({ state: 'visible' });
      await page.getByRole('button', { name: 'I have copied it' }).click();
    }
    const captions = page.locator('#credential-list caption');
    await expect
      .poll(async () => captions.allTextContents(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining([`Partner ${PARTNER_ATTRIBUTE}`, `Partner ${PARTNER_SCRIPT}`]));

    // A request presenting a hostile access key: its public id reaches the live list as text.
    await page.getByRole('link', { name: /Live rejections/ }).click();
    await page.locator('#stream-state[data-state="connected"]').waitFor();
    const refused = await fetch(`${server.url}/api/accounts`, {
      headers: { authorization: `AUTH ${PRESENTED_KEY}:${Date.now()}:1:${'0'.repeat(64)}` },
    });
    expect(refused.status).toBe(401);
    const row = page.locator('#live-list tbody tr').first();
    await row.waitFor();
    expect(await row.getAttribute('data-public-id')).toContain('<img');
    expect(await row.textContent()).toContain('<img');
    await row.getByRole('button').click();

    // A pasted header: the playground shows the findings as text (the `<script>` placeholder quoted literally).
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('What is it?').selectOption('hmac-header');
    await page.getByLabel('Value').fill(PASTED);
    await page.getByRole('button', { name: 'Check' }).click();
    const placeholder = page.locator('#playground-result li[data-code="PLACEHOLDER_NOT_REPLACED"]');
    await placeholder.waitFor();
    expect(await placeholder.textContent()).toContain('<script>');
    expect(await page.getByLabel('Value').inputValue()).toBe(PASTED);

    await page.getByRole('link', { name: 'Try it' }).click();
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByRole('link', { name: 'Credentials' }).click();

    expect(await inPage(page, 'window.__pwned')).toBeUndefined();
    expect(await inPage<number>(page, SCRIPTS)).toBe(scripts);
    expect(await inPage<number>(page, INJECTED)).toBe(0);
  }, 120_000);
});
