import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { requireService } from '../support/services.ts';

/** Debian's chromium (`apt-get install chromium`; `.ci/run` installs it when missing), or `PAYAUTH_TEST_CHROMIUM`. */
export const CHROMIUM = process.env.PAYAUTH_TEST_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here (they skip, saying so), or undefined when they can. Under CI a missing
 * chromium throws instead, so the suites importing this fail (test/support/services.ts, `requireService`).
 */
export const browserMissing: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the dashboard's browser tests`;
requireService("the dashboard's browser tests", browserMissing);

/** Starts headless chromium with no network of its own (no sync, no updates, no QUIC). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page as the dashboard tests use it (1280×860, en-GB, 10 s per action) that pushes every page error and every
 * console error into `errors`: a CSP violation (an inline style or script the policy blocks) is a console error.
 */
export async function openPage(browser: Browser, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return page;
}

/** Opens the dashboard (its URL as `payauth serve` printed it) and signs in with the admin token. */
export async function signIn(page: Page, dashboard: string, token: string): Promise<void> {
  await page.goto(dashboard);
  await page.getByLabel(/Admin token|Jeton d’administration/).fill(token);
  await page.keyboard.press('Enter');
  await page.locator('#nav').waitFor({ state: 'visible' });
}
