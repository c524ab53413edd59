import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { apiMoney, createClient } from '@payauth/client';
import { describeRejection } from '@payauth/core';
import { DEMO } from '@payauth/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/servers.ts';
import { browserMissing, launchBrowser, openPage, signIn } from './browser.ts';
import { type DashboardServer, startDashboardServer } from './harness.ts';

/** `UPDATE_SCREENSHOTS=1 npx vitest run test/dashboard/browser.test.ts` rewrites docs/images/dashboard-*.png. */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const IMAGES = `${ROOT}docs/images/`;

async function screenshot(page: Page, name: string): Promise<void> {
  if (!UPDATE_SCREENSHOTS) return;
  mkdirSync(IMAGES, { recursive: true });
  await page.screenshot({ path: `${IMAGES}dashboard-${name}.png`, fullPage: true });
}

/** Repeats `attempt` until it returns true (the server sees credential changes within seconds, not at once). */
async function eventually(attempt: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await attempt())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function status(url: string, accessKey: string, secretKey: string): Promise<number> {
  const client = createClient({ ...apiMoney({ baseUrl: url, accessKey, secretKey }), retry: false });
  try {
    return (await client.get('/api/accounts')).status;
  } finally {
    client.close();
  }
}

describe.skipIf(browserMissing)(
  browserMissing ?? 'dashboard in a real browser (chromium + playwright-core)',
  () => {
    let server: DashboardServer;
    let browser: Browser;
    let page: Page;
    const dashboardResponses: { url: string; headers: Record<string, string> }[] = [];
    const pageErrors: string[] = [];

    beforeAll(async () => {
      server = await startDashboardServer();
      browser = await launchBrowser();
      page = await openPage(browser, pageErrors);
      page.on('response', (response) => {
        if (new URL(response.url()).pathname.startsWith('/dashboard')) {
          dashboardResponses.push({ url: response.url(), headers: response.headers() });
        }
      });
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it('creates a credential, sees it used, sees a broken request live in English and French, revokes it', async () => {
      expect(server.dashboard).toBe(`${server.url}/dashboard/`);
      await signIn(page, server.dashboard, server.adminToken);

      // Create: the secret is shown once, with a copy button.
      await page.getByLabel('Partner', { exact: true }).fill('acme');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const panel = page.locator('#secret-panel');
      await panel.waitFor({ state: 'visible' });
      const accessKey = (await panel.locator('[data-field="accessKey"]').textContent()) ?? '';
      const secretKey = (await panel.locator('[data-field="secretKey"]').textContent()) ?? '';
      expect(accessKey).toMatch(/^\S{8,}$/);
      expect(secretKey).toMatch(/^\S{16,}$/);
      await expect(panel.getByRole('button', { name: 'Copy' }).count()).resolves.toBeGreaterThanOrEqual(2);
      const row = page.locator(`#credential-list tr[data-public-id="${accessKey}"]`);
      await row.waitFor();
      expect(await row.locator('[data-status]').textContent()).toBe('active');
      await screenshot(page, 'credentials');

      // Sign a request with it through @payauth/client: accepted, and the dashboard shows the last use and the chart.
      await eventually(async () => (await status(server.url, accessKey, secretKey)) === 200);
      await page.getByRole('button', { name: 'I have copied it' }).click();
      await eventually(async () => {
        await page.getByRole('button', { name: 'Refresh' }).first().click();
        return (await row.locator('[data-last-use]').getAttribute('data-last-use')) === 'yes';
      });
      await page.getByRole('link', { name: 'Activity' }).click();
      const hmacChart = page.locator('figure[data-mechanism="hmac"]');
      await eventually(async () => {
        await page.locator('#activity').getByRole('button', { name: 'Refresh' }).click();
        return /[1-9]\d* accepted/.test((await hmacChart.locator('.legend.accepted').textContent()) ?? '');
      });

      // Break it (wrong secret): the rejection arrives live, with the diagnosis in English, then in French.
      await page.getByRole('link', { name: /Live rejections/ }).click();
      await page.locator('#stream-state[data-state="connected"]').waitFor();
      expect(await status(server.url, accessKey, `${secretKey}-wrong`)).toBe(401);
      const live = page.locator(`#live-list tr[data-public-id="${accessKey}"]`).first();
      await live.waitFor();
      const code = (await live.getAttribute('data-code')) ?? '';
      expect(code).toBe('ERR_HMAC_SIGNATURE_MISMATCH');
      expect(await live.locator('td.diagnosis').textContent()).toBe(describeRejection(code, 'en'));
      await live.getByRole('button').click();
      const detail = page.locator('#live-detail');
      expect(await detail.locator('[data-field="fix"]').textContent()).toBe(describeRejection(code, 'en'));
      // The request's shape: method, path and header names, never a value.
      expect(await detail.locator('[data-field="method"]').textContent()).toBe('GET');
      expect(await detail.locator('[data-field="path"]').textContent()).toBe('/api/accounts');
      expect(await detail.locator('[data-field="headers"]').textContent()).toContain('authorization');
      expect(await detail.textContent()).not.toContain(secretKey);
      expect(await detail.textContent()).not.toMatch(/AUTH \S+:\d+:1:[0-9a-f]{64}/);
      await screenshot(page, 'live');
      await page.getByRole('button', { name: 'Français' }).click();
      expect(await live.locator('td.diagnosis').textContent()).toBe(describeRejection(code, 'fr'));
      expect(await detail.locator('[data-field="fix"]').textContent()).toBe(describeRejection(code, 'fr'));
      expect(await page.locator('html').getAttribute('lang')).toBe('fr');
      await page.getByRole('button', { name: 'English' }).click();

      // The chart counts the rejection too.
      await page.getByRole('link', { name: 'Activity' }).click();
      await eventually(async () => {
        await page.locator('#activity').getByRole('button', { name: 'Refresh' }).click();
        return /[1-9]\d* rejected/.test((await hmacChart.locator('.legend.rejected').textContent()) ?? '');
      });
      await screenshot(page, 'activity');

      // The playground names the cause of a header signed in seconds.
      await page.getByRole('link', { name: 'Playground' }).click();
      await page.getByLabel('What is it?').selectOption('hmac-header');
      await page
        .getByLabel('Value')
        .fill(`AUTH ${accessKey}:${Math.floor(Date.now() / 1000)}:1:${'ab'.repeat(32)}`);
      await page.getByRole('button', { name: 'Check' }).click();
      await page.locator('#playground-result li[data-code="TIMESTAMP_IN_SECONDS"]').waitFor();
      expect(await page.locator('#playground-result .verdict').getAttribute('data-valid')).toBe('false');
      await screenshot(page, 'playground');

      // Try it: the snippets name the credential and the server, never a secret the server no longer has.
      await page.getByRole('link', { name: 'Try it' }).click();
      await page
        .getByLabel('Credential', { exact: true })
        .selectOption((await row.getAttribute('data-credential')) ?? '');
      const curl = (await page.locator('[data-snippet="curl"] code').textContent()) ?? '';
      expect(curl).toContain(`'${server.url}/api/accounts'`);
      expect(curl).toContain(`--access-key '${accessKey}'`);
      expect(await page.locator('#try-snippets').textContent()).not.toContain(secretKey);
      await screenshot(page, 'try-it');
      // Runnable as shown, once the secret is in the environment.
      const environment = { ...process.env, PAYAUTH_SECRET_KEY: secretKey };
      // Asynchronously: the server runs in this process.
      const run = promisify(execFile);
      const curlOutput = (await run('bash', ['-c', curl], { cwd: ROOT, env: environment })).stdout;
      expect(JSON.parse(curlOutput)).toBeInstanceOf(Array);
      const script = `${mkdtempSync(`${ROOT}node_modules/.payauth-try-`)}/try.mjs`;
      writeFileSync(script, (await page.locator('[data-snippet="client"] code').textContent()) ?? '');
      const clientOutput = (await run(`${ROOT}node_modules/.bin/node`, [script], { env: environment }))
        .stdout;
      rmSync(dirname(script), { recursive: true });
      expect(clientOutput.trim()).toBe('[]'); // a new partner has no account yet

      // Revoke (two presses): the next request is refused, and that refusal is live too.
      await page.getByRole('link', { name: 'Credentials' }).click();
      await row.getByRole('button', { name: 'Revoke' }).click();
      await row.getByRole('button', { name: 'Confirm revoke' }).click();
      await row.locator('[data-status="revoked"]').waitFor();
      await eventually(async () => (await status(server.url, accessKey, secretKey)) === 401);
      await page.getByRole('link', { name: /Live rejections/ }).click();
      await page
        .locator(`#live-list tr[data-public-id="${accessKey}"][data-code="ERR_CREDENTIAL_REVOKED"]`)
        .waitFor();

      expect(pageErrors).toEqual([]);
    }, 120_000);

    it('gives every provider a curl and a @payauth/client snippet that run as shown (demo credentials)', async () => {
      const run = promisify(execFile);
      const environment = {
        ...process.env,
        PAYAUTH_SECRET_KEY: '',
        PAYAUTH_API_SECRET: DEMO.apiKey.apiSecret,
        PAYAUTH_API_KEY: DEMO.privateKeyJwt.apiKey,
        PAYAUTH_PFX: join(server.directory, 'payauth-demo', 'emoney-client.pfx'),
        PAYAUTH_PFX_PASSWORD: DEMO.privateKeyJwt.pfxPassword,
      };
      const cases = [
        {
          publicId: DEMO.hmac.accessKey,
          secret: DEMO.hmac.secretKey,
          curl: 'AB-0895358735216643',
          client: 'AB-0895358735216643',
        },
        {
          publicId: DEMO.appToken.applicationId,
          secret: DEMO.appToken.secretKey,
          curl: '"token"',
          client: 'Fondy token received',
        },
        { publicId: DEMO.privateKeyJwt.clientId, secret: '', curl: '[', client: '[' },
        { publicId: DEMO.apiKey.apiKey, secret: '', curl: '"currency":"USD"', client: "currency: 'USD'" },
      ];
      await page.getByRole('link', { name: 'Credentials' }).click();
      for (const { publicId, secret, curl, client } of cases) {
        const id = await page
          .locator(`#credential-list tr[data-public-id="${publicId}"]`)
          .getAttribute('data-credential');
        await page.getByRole('link', { name: 'Try it' }).click();
        await page.getByLabel('Credential', { exact: true }).selectOption(id ?? '');
        const env = { ...environment, ...(secret ? { PAYAUTH_SECRET_KEY: secret } : {}) };
        const shell = (await page.locator('[data-snippet="curl"] code').textContent()) ?? '';
        const curlOutput = (await run('bash', ['-c', shell], { cwd: ROOT, env })).stdout;
        expect(curlOutput, `${publicId}: ${shell}`).toContain(curl);
        const folder = mkdtempSync(`${ROOT}node_modules/.payauth-try-`);
        writeFileSync(
          `${folder}/try.mjs`,
          (await page.locator('[data-snippet="client"] code').textContent()) ?? '',
        );
        try {
          const clientOutput = (await run(`${ROOT}node_modules/.bin/node`, [`${folder}/try.mjs`], { env }))
            .stdout;
          expect(clientOutput, publicId).toContain(client);
        } finally {
          rmSync(folder, { recursive: true });
        }
        await page.getByRole('link', { name: 'Credentials' }).click();
      }
    }, 180_000);

    it('rotates a credential: the new secret is shown once, in the language chosen', async () => {
      await page.getByRole('link', { name: 'Credentials' }).click();
      await page.getByLabel('Mechanism', { exact: true }).first().selectOption('api-key');
      await page.getByLabel('Partner', { exact: true }).fill('rotating');
      await page.getByRole('button', { name: 'Create', exact: true }).click();
      const panel = page.locator('#secret-panel');
      const first = (await panel.locator('[data-field="apiSecret"]').textContent()) ?? '';
      const apiKey = (await panel.locator('[data-field="apiKey"]').textContent()) ?? '';
      await page.getByRole('button', { name: 'I have copied it' }).click();
      await page.getByRole('button', { name: 'Français' }).click();
      const row = page.locator(`#credential-list tr[data-public-id="${apiKey}"]`);
      await row.getByRole('button', { name: 'Renouveler' }).click();
      await panel.getByText('Copiez le secret maintenant').waitFor();
      const second = (await panel.locator('[data-field="apiSecret"]').textContent()) ?? '';
      expect(second).toMatch(/^\S{16,}$/);
      expect(second).not.toBe(first);
      await expect
        .poll(async () => row.locator('[data-field="live-secrets"]').textContent(), { timeout: 10_000 })
        .toBe('2'); // both live during the overlap
      await page.getByRole('button', { name: 'Je l’ai copié' }).click();
      await page.getByRole('button', { name: 'English' }).click();
    });

    it('is usable from the keyboard: labelled fields, links to sections, real buttons', async () => {
      const unlabelled = await page.evaluate(
        "[...document.querySelectorAll('input, select, textarea')].filter((field) => field.labels.length === 0).map((field) => field.id)",
      );
      expect(unlabelled).toEqual([]);
      const focused = () =>
        page.evaluate('document.activeElement?.textContent?.trim() ?? ""') as Promise<string>;
      await page.goto(`${server.dashboard}#credentials`);
      await page.reload(); // a fresh document, focus at its start; the token is still in sessionStorage
      await page.locator('#nav').waitFor({ state: 'visible' });
      // The skip link comes first and shows when focused; Tab then walks the section links.
      await page.locator('a.skip').focus();
      expect(await focused()).toBe('Skip to content');
      expect(await page.locator('a.skip').isVisible()).toBe(true);
      for (let presses = 0; presses < 10 && !(await focused()).startsWith('Live rejections'); presses++) {
        await page.keyboard.press('Tab');
      }
      await page.keyboard.press('Enter');
      await page.locator('#live').waitFor({ state: 'visible' });
      expect(await focused()).toBe('Live rejections');
      await page.locator('#stream-state[data-state="connected"]').waitFor();
      await status(server.url, DEMO.hmac.accessKey, 'not-the-secret');
      const time = page.locator('#live-list tbody tr button').first();
      await time.waitFor();
      await time.focus();
      await page.keyboard.press('Enter');
      await page.locator('#live-detail [data-field="fix"]').waitFor();
    });

    it('sends the CSP, nosniff and no-referrer headers on every dashboard response', () => {
      expect(dashboardResponses.length).toBeGreaterThanOrEqual(5);
      for (const response of dashboardResponses) {
        expect(response.headers['content-security-policy'], response.url).toBe(
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        );
        expect(response.headers['x-content-type-options'], response.url).toBe('nosniff');
        expect(response.headers['referrer-policy'], response.url).toBe('no-referrer');
      }
    });
  },
);
