import { mkdirSync } from 'node:fs';
import { DEMO, scenarioNames } from '@payauth/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/servers.ts';
import { browserMissing, launchBrowser, openPage, signIn } from './browser.ts';
import { type DashboardServer, startDashboardServer } from './harness.ts';

/** `UPDATE_SCREENSHOTS=1 npx vitest run test/dashboard/scenarios.test.ts` rewrites docs/images/dashboard-scenarios.png. */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

async function wakaPayToken(url: string): Promise<{ status: number; applied: string | null }> {
  const response = await fetch(`${url}/business/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO.apiKey),
  });
  return { status: response.status, applied: response.headers.get('payauth-scenario-applied') };
}

describe.skipIf(browserMissing)(browserMissing ?? 'the scenario panel in a real browser', () => {
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    server = await startDashboardServer();
    browser = await launchBrowser();
    page = await openPage(browser, pageErrors);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('arms a scenario for one credential, shows it used up request by request, and disarms another', async () => {
    await signIn(page, server.dashboard, server.adminToken);
    await page.getByRole('link', { name: 'Scenarios' }).click();
    await page.getByRole('heading', { name: 'Rehearsal scenarios' }).waitFor();

    // The scenarios and their parameters come from the server.
    const names = await page.locator('#scenario-name option').allTextContents();
    expect(names).toEqual([...scenarioNames]);
    await page.getByLabel('Scenario', { exact: true }).selectOption('rate-limited');
    await page.locator('#scenario-credential').selectOption({ label: 'api-key — your_api_key' });
    await page.getByLabel('Times').fill('2');
    await page.getByLabel('retry-after (seconds)').fill('3');
    await page.getByRole('button', { name: 'Arm', exact: true }).click();
    const row = page.locator('#scenario-list tbody tr').first();
    await expect.poll(() => row.locator('td[data-field="remaining"]').textContent()).toBe('2/2');
    expect(await row.textContent()).toContain('retry-after=3');
    expect(await row.textContent()).toContain('your_api_key');

    // A second one, on any credential, to disarm from the panel.
    await page.getByLabel('Scenario', { exact: true }).selectOption('slow');
    await page.locator('#scenario-credential').selectOption({ label: 'Any credential' });
    await page.getByLabel('Times').fill('5');
    await page.getByLabel('ms (milliseconds)').fill('1500');
    await page.getByRole('button', { name: 'Arm', exact: true }).click();
    await expect.poll(() => page.locator('#scenario-list tbody tr').count()).toBe(2);

    expect(await wakaPayToken(server.url)).toEqual({ status: 429, applied: 'rate-limited' });
    // The panel refreshes on its own (every 5 s while shown).
    await expect
      .poll(() => row.locator('td[data-field="remaining"]').textContent(), { timeout: 12_000 })
      .toBe('1/2');
    if (UPDATE_SCREENSHOTS) {
      mkdirSync(`${ROOT}docs/images/`, { recursive: true });
      await page.screenshot({ path: `${ROOT}docs/images/dashboard-scenarios.png`, fullPage: true });
    }

    const slow = page.locator('#scenario-list tbody tr', { hasText: 'slow' });
    await slow.getByRole('button', { name: 'Disarm' }).click();
    await expect.poll(() => page.locator('#scenario-list tbody tr').count()).toBe(1);
    expect(await page.locator('#status').textContent()).toMatch(/^Disarmed slow \(scn_[A-Za-z0-9]{16}\)\.$/);

    expect(await wakaPayToken(server.url)).toEqual({ status: 429, applied: 'rate-limited' });
    await page.getByRole('link', { name: 'Credentials' }).click();
    await page.getByRole('link', { name: 'Scenarios' }).click();
    await page.locator('#scenario-none').waitFor();
    expect(await wakaPayToken(server.url)).toEqual({ status: 200, applied: null });
  });

  it('Try it: arms a scenario for the chosen credential and shows what the client did, step by step', async () => {
    // Successes are audited one row per second and credential (docs/server.md, "Audit trail"): a success within the
    // second of the previous test's last one, on a loaded machine whose flush timer ran late, would count on that
    // earlier row, dated before the scenario was armed, and not be shown as a step. Start in a second of our own.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await page.getByRole('link', { name: 'Try it' }).click();
    const option = page.locator('#try-credential option', { hasText: 'your_api_key' });
    await page.locator('#try-credential').selectOption((await option.getAttribute('value'))!);
    await page.locator('#rehearse-scenario').selectOption('rate-limited');
    await page.getByRole('button', { name: 'Arm for this credential' }).click();
    await page.locator('#rehearse-steps-list').waitFor({ state: 'attached' });
    // What a client does: the sandbox answers 429 once; the client waits Retry-After and asks again.
    expect(await wakaPayToken(server.url)).toEqual({ status: 429, applied: 'rate-limited' });
    expect(await wakaPayToken(server.url)).toEqual({ status: 200, applied: null });
    const steps = page.locator('#rehearse-steps-list li');
    await expect.poll(() => steps.count(), { timeout: 10_000 }).toBe(2);
    expect(await steps.evaluateAll((items) => items.map((item) => item.getAttribute('data-reason')))).toEqual(
      ['SCENARIO_RATE_LIMITED', 'OK'],
    );
    expect(await steps.first().textContent()).toContain('the sandbox played rate-limited');
    expect(await page.locator('#rehearse-steps').textContent()).toContain(
      'A well-behaved client: waits Retry-After (bounded)',
    );
    if (UPDATE_SCREENSHOTS) {
      await page.locator('[data-snippet="rehearse"]').screenshot({
        path: `${ROOT}docs/images/dashboard-try-it-rehearse.png`,
      });
    }
  });

  it('speaks French, and shows the server’s refusal of a bad value', async () => {
    await page.getByRole('link', { name: 'Scenarios' }).click();
    await page.getByRole('button', { name: 'Français' }).click();
    await page.getByRole('link', { name: 'Scénarios' }).waitFor();
    await page.getByRole('heading', { name: 'Scénarios de répétition' }).waitFor();
    await page.getByLabel('Scénario', { exact: true }).selectOption('clock-skew');
    await page.getByLabel('seconds (seconds)').fill('999999');
    await page.getByRole('button', { name: 'Armer', exact: true }).click();
    await expect
      .poll(() => page.locator('#status').textContent())
      .toContain('clock-skew: "seconds" must be a whole number of seconds from -86400 to 86400');
    await page.getByRole('button', { name: 'English' }).click();
    // The refused request itself is logged by the browser; nothing else may be (no CSP violation, no exception).
    expect(pageErrors.filter((message) => !message.includes('status of 400'))).toEqual([]);
  });
});
