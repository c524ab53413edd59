import { readdirSync, readFileSync } from 'node:fs';
import { mechanismTable } from '@payauth/core';
import { describe, expect, it } from 'vitest';
import { payauthHandler } from '../adapters/fetch.ts';
import type { AuthRequest } from '../http/types.ts';
import { createPayauth } from '../payauth.ts';
import { createDashboardRoutes, DASHBOARD_ASSETS, DASHBOARD_CSP } from './routes.ts';

function get(path: string, headers: AuthRequest['headers'] = {}): AuthRequest {
  return { method: 'GET', path, headers, query: {}, address: '127.0.0.1', requestId: '0123456789abcdef' };
}

describe('createDashboardRoutes', () => {
  const routes = createDashboardRoutes();
  const answer = (path: string, headers?: AuthRequest['headers']) => {
    const route = routes.find((candidate) => candidate.path === path);
    if (!route) throw new Error(`no route ${path}`);
    return route.handle(get(path, headers));
  };

  const files = readdirSync(new URL('./', import.meta.url))
    .filter((name) => /\.(html|css|js)$/.test(name))
    .sort();

  it('serves every file of the folder that the page uses, the mechanism table, and nothing else', () => {
    expect(Object.keys(DASHBOARD_ASSETS).sort()).toEqual(files);
    const served = [...files, 'mechanisms.js'].sort();
    expect(routes.map((route) => route.path).sort()).toEqual(
      ['/dashboard', '/dashboard/', ...served.map((name) => `/dashboard/${name}`)].sort(),
    );
    expect(routes.every((route) => route.method === 'GET')).toBe(true);
  });

  it('sends the strict CSP, nosniff, no-referrer and revalidation on every answer, redirects and 304s included', async () => {
    const paths = routes.map((route) => route.path);
    for (const path of paths) {
      const response = await answer(path);
      expect(response.headers['content-security-policy'], path).toBe(DASHBOARD_CSP);
      expect(response.headers['x-content-type-options'], path).toBe('nosniff');
      expect(response.headers['referrer-policy'], path).toBe('no-referrer');
      expect(response.headers['cache-control'], path).toBe('no-cache');
      if (response.status === 200) {
        const again = await answer(path, { 'if-none-match': response.headers.etag });
        expect(again.status).toBe(304);
        expect(again.body).toBe('');
        expect(again.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      }
    }
    expect(DASHBOARD_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
  });

  it('answers the page as HTML and the modules as JavaScript; /dashboard redirects to /dashboard/', async () => {
    const page = await answer('/dashboard/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script type="module" src="app.js"></script>');
    expect((await answer('/dashboard/app.js')).headers['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
    const redirect = await answer('/dashboard');
    expect(redirect.status).toBe(308);
    expect(redirect.headers.location).toBe('dashboard/');
  });

  it('has no inline script or style and loads nothing from another origin (the CSP would block it)', async () => {
    for (const name of [...Object.keys(DASHBOARD_ASSETS), 'mechanisms.js']) {
      const { body } = await answer(`/dashboard/${name}`);
      expect(body, name).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      if (name === 'index.html') {
        expect(body).not.toMatch(/<script(?![^>]*\bsrc=)/);
        expect(body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
      }
      // Data never becomes markup: the scripts build the page with elements and text nodes only.
      if (name.endsWith('.js'))
        expect(body, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
    }
  });
});

describe('the dashboard and the mechanism table', () => {
  const routes = createDashboardRoutes();
  const scripts = readdirSync(new URL('./', import.meta.url)).filter((name) => name.endsWith('.js'));

  it("serves mechanisms.js: core's mechanism table as an ES module", async () => {
    const route = routes.find((candidate) => candidate.path === '/dashboard/mechanisms.js');
    const response = await route!.handle(get('/dashboard/mechanisms.js'));
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const module = (await import(`data:text/javascript,${encodeURIComponent(String(response.body))}`)) as {
      mechanismTable: unknown;
    };
    expect(module.mechanismTable).toEqual(JSON.parse(JSON.stringify(mechanismTable)));
  });

  it('restates no mechanism path: the scripts read them from mechanisms.js', () => {
    const paths = Object.values(mechanismTable).flatMap((facts) => [
      ...(facts.tokenPath === undefined ? [] : [facts.tokenPath]),
      ...facts.resourcePaths,
    ]);
    for (const name of scripts) {
      const text = readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');
      expect(
        paths.filter((path) => text.includes(path)),
        name,
      ).toEqual([]);
    }
  });

  it('type-checks every script: each starts with // @ts-check (tsconfig.dashboard.json, in npm run lint)', () => {
    for (const name of scripts) {
      expect(
        readFileSync(new URL(`./${name}`, import.meta.url), 'utf8').startsWith('// @ts-check\n'),
        name,
      ).toBe(true);
    }
  });
});

describe('the dashboard in createPayauth', () => {
  it('is served with the admin API (here through the fetch adapter), and absent without it', async () => {
    const withAdmin = await createPayauth({ store: ':memory:', admin: { token: 'a'.repeat(32) } });
    const without = await createPayauth({ store: ':memory:', sandbox: true });
    try {
      const page = await payauthHandler(withAdmin)(new Request('http://127.0.0.1:8080/dashboard/'));
      expect(page?.status).toBe(200);
      expect(page?.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
      expect(await page?.text()).toContain('<title>payauth dashboard</title>');
      const absent = await payauthHandler(without)(new Request('http://127.0.0.1:8080/dashboard/'));
      expect(absent?.status ?? 404).toBe(404);
    } finally {
      await withAdmin.close();
      await without.close();
    }
  });
});
