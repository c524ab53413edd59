// @ts-check
// The dashboard's entry point: sign-in, sections behind hash links (#credentials, #live, #playground, #try-it,
// #activity), the language switch, and the periodic refresh. Plain ES modules, no build step, no dependency.

import { AdminApi, ApiError } from './api.js';
import { drawCharts } from './chart.js';
import { createCredentialsView, MECHANISMS } from './credentials.js';
import { byId, replace } from './dom.js';
import { language, onLanguageChange, setLanguage, t, translatePage } from './i18n.js';
import { createLiveView } from './live.js';
import { createPlaygroundView } from './playground.js';
import { createScenariosView } from './scenarios.js';
import { createTryItView } from './try-it.js';

const SECTIONS = ['credentials', 'live', 'playground', 'try-it', 'scenarios', 'activity'];
const REFRESH_MS = 5000;

const api = new AdminApi();
/** @type {DashboardState} */
const state = { credentials: [], fresh: new Map() };
const status = byId('status');
let signedIn = false;
/** @type {ReturnType<typeof setInterval> | undefined} */
let timer;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let pending;

/**
 * @param {string} message
 * @param {'info' | 'error'} [kind]
 */
function notify(message, kind = 'info') {
  status.textContent = message;
  status.className = `status ${kind}`;
}

function currentSection() {
  const name = window.location.hash.slice(1);
  return SECTIONS.includes(name) ? name : 'credentials';
}

/** @import { CreatedCredential, CredentialSummary, MinuteStats } from './api.js' */

/**
 * What the sections share: `state.credentials` is the last list, `state.fresh` maps a credential id to its
 * create/rotate answer (memory only: gone on reload).
 * @typedef {{ credentials: CredentialSummary[], fresh: Map<string, CreatedCredential> }} DashboardState
 */

/**
 * What app.js hands each section (a section takes the part it uses).
 * @typedef {object} DashboardContext
 * @property {AdminApi} api
 * @property {DashboardState} state
 * @property {(message: string, kind?: 'info' | 'error') => void} notify shows a line in the status bar
 * @property {(error: unknown) => void} fail reports a failed request (a 401 signs out)
 * @property {() => void} onUnauthorized
 * @property {(section: string, credentialId?: string) => void} go opens a section (try-it: for a credential)
 * @property {(section: string) => boolean} visible whether the section is on screen
 * @property {() => void} changed the credential list or a fresh secret changed
 * @property {(message: unknown) => void} rejected a rejection just arrived on the live stream
 */

// Try it needs the state, the API and the status bar, and the context points at it: made first, so nothing refers to
// it before it exists (its failures go through the context's `fail`, called only after a click).
const tryIt = createTryItView({ state, api, notify, fail: (error) => context.fail(error) });

/** @type {DashboardContext} */
const context = {
  api,
  state,
  notify,
  fail(error) {
    if (error instanceof ApiError && error.status === 401) return context.onUnauthorized();
    if (error instanceof ApiError)
      notify(t('error.generic', { status: error.status, message: error.message }), 'error');
    else notify(t('error.network'), 'error');
  },
  onUnauthorized() {
    signOut();
    byId('login-error').textContent = t('login.expired');
  },
  go(section, id) {
    if (section === 'try-it') tryIt.choose(id);
    window.location.hash = section;
  },
  visible: (section) => signedIn && currentSection() === section && !document.hidden,
  changed: () => {
    tryIt.render();
    scenarios.render();
  },
  rejected: () => {
    // A rejection just happened: the chart and the last-use column are stale. Coalesce bursts.
    clearTimeout(pending);
    pending = setTimeout(refreshAll, 300);
  },
};

const credentials = createCredentialsView(context);
const live = createLiveView(context);
const playground = createPlaygroundView(context);
const scenarios = createScenariosView(context);

async function refreshActivity() {
  try {
    /** @type {{ minutes?: MinuteStats[] } | undefined} */
    const answer = await api.request('GET', 'audit/stats', { query: { minutes: 60 } });
    const chart = byId('activity-chart');
    // A refresh must not fold a table the reader opened.
    const open = new Set(
      [...chart.querySelectorAll('figure[data-mechanism]:has(details[open])')].map((figure) =>
        figure.getAttribute('data-mechanism'),
      ),
    );
    replace(chart, drawCharts(answer?.minutes ?? [], Date.now(), MECHANISMS));
    for (const figure of chart.querySelectorAll('figure[data-mechanism]')) {
      const details = figure.querySelector('details');
      if (details && open.has(figure.getAttribute('data-mechanism'))) details.open = true;
    }
  } catch (error) {
    context.fail(error);
  }
}

async function refreshAll() {
  if (!signedIn) return;
  await Promise.all([
    credentials.refresh(),
    refreshActivity(),
    context.visible('scenarios') ? scenarios.refresh() : undefined,
  ]);
}

/** @param {boolean} focus */
function showSection(focus) {
  const name = signedIn ? currentSection() : 'login';
  for (const section of [...SECTIONS, 'login']) byId(section).hidden = section !== name;
  for (const link of byId('nav').querySelectorAll('a[data-section]')) {
    if (link.getAttribute('data-section') === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (name === 'live') live.shown();
  if (name === 'try-it') tryIt.render();
  if (name === 'scenarios') scenarios.refresh();
  if (focus) {
    const heading = byId(name).querySelector('h1');
    heading?.setAttribute('tabindex', '-1');
    heading?.focus();
  }
}

function renderAll() {
  translatePage();
  byId('language').textContent = t('language');
  byId('language').lang = language() === 'en' ? 'fr' : 'en';
  byId('nav').setAttribute('aria-label', t('nav.label'));
  credentials.render();
  live.render();
  playground.render();
  tryIt.render();
  scenarios.render();
  if (signedIn) refreshActivity();
}

async function signIn() {
  signedIn = true;
  byId('nav').hidden = false;
  byId('logout').hidden = false;
  byId('login-error').textContent = '';
  showSection(false);
  live.connect();
  await refreshAll();
  clearInterval(timer);
  timer = setInterval(() => {
    if (!document.hidden) refreshAll();
  }, REFRESH_MS);
}

function signOut() {
  signedIn = false;
  api.token = '';
  state.credentials = [];
  state.fresh.clear();
  credentials.forget();
  clearInterval(timer);
  live.disconnect();
  byId('nav').hidden = true;
  byId('logout').hidden = true;
  notify('');
  renderAll();
  showSection(false);
}

byId('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = byId('token', HTMLInputElement);
  const token = input.value.trim();
  const error = byId('login-error');
  if (token === '') {
    error.textContent = t('login.empty');
    return;
  }
  api.token = token;
  try {
    await api.request('GET', 'credentials');
    input.value = '';
    await signIn();
  } catch (failure) {
    api.token = '';
    error.textContent =
      failure instanceof ApiError && (failure.status === 401 || failure.status === 403)
        ? t('login.refused')
        : t('error.network');
  }
});

byId('logout').addEventListener('click', signOut);
byId('language').addEventListener('click', () => setLanguage(language() === 'en' ? 'fr' : 'en'));
byId('activity-refresh').addEventListener('click', refreshActivity);
window.addEventListener('hashchange', () => showSection(true));
onLanguageChange(() => {
  renderAll();
  playground.languageChanged();
});

renderAll();
if (api.token) {
  // A token from earlier in this tab: check it is still accepted.
  api
    .request('GET', 'credentials')
    .then(signIn)
    .catch(() => signOut());
} else {
  showSection(false);
}
