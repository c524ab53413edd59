import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mechanismTable } from '@payauth/core';
import type { AuthRequest, NeutralResponse, Route } from '../http/types.ts';

/** Where the dashboard is served. Its pages use relative URLs, so an embedder may mount it under a prefix. */
export const DASHBOARD_PATH = '/dashboard/';

/**
 * The dashboard's Content-Security-Policy: only its own files, no inline script or style, no framing, no forms
 * posting anywhere (the pages send JSON with `fetch`), `data:` images only (none are used today).
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The files of the dashboard (beside this module: `src/dashboard/` in the repository, `dist/dashboard/` in the
 * package, where the build copies them), by the name they are served under, with their type.
 */
export const DASHBOARD_ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
  'credentials.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'i18n.js': 'text/javascript; charset=utf-8',
  'live.js': 'text/javascript; charset=utf-8',
  'playground.js': 'text/javascript; charset=utf-8',
  'rehearse.js': 'text/javascript; charset=utf-8',
  'scenarios.js': 'text/javascript; charset=utf-8',
  'snippets.js': 'text/javascript; charset=utf-8',
  'try-it.js': 'text/javascript; charset=utf-8',
};

/** Headers on every dashboard answer, including redirects and 304s. */
function securityHeaders(): Record<string, string> {
  return {
    'content-security-policy': DASHBOARD_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-frame-options': 'DENY',
  };
}

interface Asset {
  readonly body: string;
  readonly type: string;
  readonly etag: string;
}

/** The module the server writes for the dashboard (`GET /dashboard/mechanisms.js`): core's mechanism table. */
const DASHBOARD_MECHANISMS_MODULE = 'mechanisms.js';

/**
 * `export const mechanismTable = {…}`: @payauth/core's mechanism table as an ES module, so that the dashboard reads
 * each mechanism's provider, preset and paths from the one table (its types: `mechanisms.d.ts`).
 */
function writeMechanismsModule(): string {
  return `// Written by the server from @payauth/core's mechanismTable.\nexport const mechanismTable = ${JSON.stringify(mechanismTable)};\n`;
}

function asset(body: string, type: string): Asset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, type, etag };
}

function loadAsset(name: string, type: string): Asset {
  return asset(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8'), type);
}

function matchesEtag(request: AuthRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value === undefined) return false;
  return value.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

function serve(asset: Asset, request: AuthRequest): NeutralResponse {
  // The names are not content-hashed, so browsers revalidate every time (a 304 costs one round trip on loopback).
  const headers = { ...securityHeaders(), 'cache-control': 'no-cache', etag: asset.etag };
  if (matchesEtag(request, asset.etag)) return { status: 304, headers, body: '' };
  return { status: 200, headers: { ...headers, 'content-type': asset.type }, body: asset.body };
}

/**
 * The dashboard as neutral routes: `GET /dashboard` (redirect), `GET /dashboard/` (the page) and one route per
 * asset (and `mechanisms.js`, core's mechanism table), every answer with a strict CSP, `nosniff`, `no-referrer` and
 * `no-cache` + ETag. The files are read once, here, from the package itself: no CDN, nothing fetched at run time.
 * The dashboard talks only to the admin API
 * (`../admin/api/…`, Bearer admin token), which must be enabled for it to show anything.
 *
 * @example
 * ```ts
 * payauth.addRoutes(createDashboardRoutes())
 * ```
 */
export function createDashboardRoutes(): Route[] {
  const assets = Object.entries(DASHBOARD_ASSETS).map(([name, type]) => ({
    name,
    asset: loadAsset(name, type),
  }));
  assets.push({
    name: DASHBOARD_MECHANISMS_MODULE,
    asset: asset(writeMechanismsModule(), 'text/javascript; charset=utf-8'),
  });
  const index = assets.find((entry) => entry.name === 'index.html')!.asset;
  const routes: Route[] = [
    {
      method: 'GET',
      path: DASHBOARD_PATH.slice(0, -1),
      async handle() {
        // Relative asset and API URLs need the trailing slash.
        return {
          status: 308,
          headers: { ...securityHeaders(), location: 'dashboard/', 'cache-control': 'no-cache' },
          body: '',
        };
      },
    },
    { method: 'GET', path: DASHBOARD_PATH, handle: async (request) => serve(index, request) },
  ];
  for (const { name, asset } of assets) {
    routes.push({
      method: 'GET',
      path: `${DASHBOARD_PATH}${name}`,
      handle: async (request) => serve(asset, request),
    });
  }
  return routes;
}
