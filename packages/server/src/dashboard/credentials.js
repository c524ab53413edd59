// @ts-check
// Credentials per partner and mechanism: create (the secret shown once, with copy buttons), rotate, revoke,
// status and last use.

import { byId, h, replace } from './dom.js';
import { formatTime, language, t } from './i18n.js';
import { mechanismTable } from './mechanisms.js';

/** @import { CreatedCredential, CredentialSummary } from './api.js' */
/** @import { DashboardContext } from './app.js' */
/** @import { Mechanism } from './mechanisms.js' */

/** The four mechanisms, in the documents' order (core's mechanism table, served as `mechanisms.js`). */
export const MECHANISMS = /** @type {Mechanism[]} */ (Object.keys(mechanismTable));

/**
 * `hmac (API-money)`: the mechanism and the provider it comes from; an unknown name as it is.
 * @param {string} mechanism
 */
export function mechanismLabel(mechanism) {
  const provider = Object.hasOwn(mechanismTable, mechanism)
    ? mechanismTable[/** @type {Mechanism} */ (mechanism)].provider
    : undefined;
  return provider ? `${mechanism} (${provider})` : mechanism;
}

/** The secret fields of a create/rotate answer, in the order a partner needs them. */
const SECRET_FIELDS = [
  'accessKey',
  'secretKey',
  'version',
  'applicationId',
  'clientId',
  'apiKey',
  'apiSecret',
  'kid',
];

/**
 * Copies `text` to the clipboard, falling back to selecting it when the Clipboard API is refused.
 * @param {string} text
 * @param {HTMLButtonElement} button
 * @param {Node} target
 */
async function copy(text, button, target) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const range = document.createRange();
    range.selectNodeContents(target);
    window.getSelection()?.removeAllRanges();
    window.getSelection()?.addRange(range);
    document.execCommand?.('copy');
  }
  button.textContent = t('copied');
  setTimeout(() => {
    button.textContent = t('copy');
  }, 1500);
}

/**
 * The credentials section.
 * @param {Pick<DashboardContext, 'api' | 'state' | 'notify' | 'fail' | 'go' | 'changed'>} context
 */
export function createCredentialsView(context) {
  const { api, state } = context;
  const list = byId('credential-list');
  const panel = byId('secret-panel');
  const createForm = byId('create-form', HTMLFormElement);
  const filterForm = byId('filter-form', HTMLFormElement);
  const createPartner = byId('create-partner', HTMLInputElement);
  const createCert = byId('create-cert', HTMLTextAreaElement);
  const filterPartner = byId('filter-partner', HTMLInputElement);
  const mechanismSelect = byId('create-mechanism', HTMLSelectElement);
  const filterSelect = byId('filter-mechanism', HTMLSelectElement);
  const certField = byId('create-cert-field');
  /** @type {CreatedCredential | undefined} the create/rotate answer in the panel */
  let shown;
  let signature = ''; // the last list, to re-render only on a change (a re-render would drop focus)
  /** @type {string | undefined} the language the selects were filled in */
  let filledIn;

  const fillSelects = () => {
    if (filledIn === language()) return;
    filledIn = language();
    const chosen = mechanismSelect.value || (MECHANISMS[0] ?? '');
    replace(
      mechanismSelect,
      MECHANISMS.map((m) => h('option', { value: m }, mechanismLabel(m))),
    );
    mechanismSelect.value = chosen;
    const filtered = filterSelect.value;
    replace(
      filterSelect,
      h('option', { value: '' }, t('all')),
      MECHANISMS.map((m) => h('option', { value: m }, mechanismLabel(m))),
    );
    filterSelect.value = filtered;
  };

  mechanismSelect.addEventListener('change', () => {
    certField.hidden = mechanismSelect.value !== 'private-key-jwt';
  });

  /**
   * @param {CreatedCredential | undefined} created
   * @param {boolean} [focus]
   */
  const showSecrets = (created, focus = true) => {
    shown = created;
    if (!created) {
      panel.hidden = true;
      replace(panel);
      return;
    }
    const rows = SECRET_FIELDS.filter((field) => created[field] !== undefined).map((field) => {
      const value = h('code', { class: 'secret-value', 'data-field': field }, String(created[field]));
      const button = h('button', { type: 'button', class: 'copy', 'data-copy': field }, t('copy'));
      button.addEventListener('click', () => copy(String(created[field]), button, value));
      return h(
        'div',
        { class: 'secret-row' },
        h('dt', {}, t(`field.${field}`)),
        h('dd', {}, value, ' ', button),
      );
    });
    replace(
      panel,
      h('h2', { id: 'secret-title' }, t('secret.title')),
      h('p', {}, t('secret.help')),
      h(
        'dl',
        { class: 'secrets' },
        h(
          'div',
          { class: 'secret-row' },
          h('dt', {}, t('field.mechanism')),
          h('dd', {}, mechanismLabel(created.mechanism)),
        ),
        h(
          'div',
          { class: 'secret-row' },
          h('dt', {}, t('field.partnerId')),
          h('dd', {}, String(created.partnerId ?? '')),
        ),
        rows,
      ),
      h(
        'p',
        { class: 'row' },
        h(
          'button',
          { type: 'button', class: 'primary', onclick: () => context.go('try-it', created.id) },
          t('secret.try'),
        ),
        h(
          'button',
          {
            type: 'button',
            onclick: () => {
              // Copied: the page forgets the secret too (try-it falls back to environment variables).
              state.fresh.delete(created.id);
              showSecrets(undefined);
              context.changed();
            },
          },
          t('secret.dismiss'),
        ),
      ),
    );
    panel.hidden = false;
    if (focus) panel.focus();
  };

  let requested = 0; // refreshes overlap (timer, actions): an older answer must not replace a newer one
  let applied = 0;
  const refresh = async () => {
    const query = { partner: filterPartner.value.trim(), mechanism: filterSelect.value };
    const ticket = ++requested;
    try {
      /** @type {{ credentials?: CredentialSummary[] } | undefined} */
      const answer = await api.request('GET', 'credentials', { query });
      if (ticket < applied) return;
      applied = ticket;
      const list = Array.isArray(answer?.credentials) ? answer.credentials : [];
      const next = JSON.stringify(list);
      if (next === signature) return;
      signature = next;
      state.credentials = list;
      render();
      context.changed();
    } catch (error) {
      context.fail(error);
    }
  };

  /** @param {CredentialSummary} credential */
  const rotate = async (credential) => {
    try {
      /** @type {Partial<CreatedCredential> | undefined} */
      const created = await api.request('POST', `credentials/${encodeURIComponent(credential.id)}/rotate`, {
        body: {},
      });
      const answer = {
        ...created,
        mechanism: created?.mechanism ?? credential.mechanism,
        partnerId: credential.partnerId,
        id: credential.id,
      };
      state.fresh.set(credential.id, answer);
      context.notify(t('credentials.rotated.status', { publicId: credential.publicId }));
      showSecrets(answer);
      await refresh();
    } catch (error) {
      context.fail(error);
    }
  };

  /** @param {CredentialSummary} credential */
  const revoke = async (credential) => {
    try {
      await api.request('POST', `credentials/${encodeURIComponent(credential.id)}/revoke`, { body: {} });
      state.fresh.delete(credential.id);
      context.notify(t('credentials.revoked.status', { publicId: credential.publicId }));
      await refresh();
    } catch (error) {
      context.fail(error);
    }
  };

  /**
   * A revoke button asks for a second press (no modal `confirm()`: keyboard and screen-reader friendly).
   * @param {CredentialSummary} credential
   */
  const revokeButton = (credential) => {
    const button = h(
      'button',
      { type: 'button', class: 'danger', 'data-action': 'revoke' },
      t('credentials.revoke'),
    );
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let armed;
    button.addEventListener('click', () => {
      if (armed) {
        clearTimeout(armed);
        button.disabled = true;
        revoke(credential);
        return;
      }
      button.textContent = t('credentials.confirmRevoke');
      button.setAttribute('aria-pressed', 'true');
      armed = setTimeout(() => {
        armed = undefined;
        button.textContent = t('credentials.revoke');
        button.removeAttribute('aria-pressed');
      }, 5000);
    });
    return button;
  };

  /** @param {CredentialSummary} credential */
  const row = (credential) => {
    const revoked = credential.status === 'revoked';
    return h(
      'tr',
      {
        'data-credential': credential.id,
        'data-public-id': credential.publicId,
        class: revoked ? 'revoked' : '',
      },
      h('td', {}, mechanismLabel(credential.mechanism)),
      h('th', { scope: 'row' }, h('code', {}, String(credential.publicId))),
      h(
        'td',
        {},
        h(
          'span',
          { class: `badge ${revoked ? 'bad' : 'good'}`, 'data-status': credential.status },
          t(`status.${credential.status}`),
        ),
        revoked && credential.revokedAt ? ` ${formatTime(credential.revokedAt)}` : '',
      ),
      h('td', {}, formatTime(credential.createdAt)),
      h(
        'td',
        { 'data-last-use': credential.lastUsedAt ? 'yes' : 'no' },
        credential.lastUsedAt ? formatTime(credential.lastUsedAt) : t('never'),
      ),
      h('td', { 'data-field': 'live-secrets' }, String(credential.liveSecrets ?? '')),
      h(
        'td',
        { class: 'actions' },
        h(
          'button',
          { type: 'button', 'data-action': 'try', onclick: () => context.go('try-it', credential.id) },
          t('credentials.tryIt'),
        ),
        !revoked &&
          h(
            'button',
            { type: 'button', 'data-action': 'rotate', onclick: () => rotate(credential) },
            t('credentials.rotate'),
          ),
        !revoked && revokeButton(credential),
      ),
    );
  };

  const render = () => {
    fillSelects();
    certField.hidden = mechanismSelect.value !== 'private-key-jwt';
    if (shown) showSecrets(shown, false);
    // Keep the keyboard focus on the same button of the same row across a re-render.
    const active = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    const focusedRow = active?.closest('tr[data-credential]')?.getAttribute('data-credential');
    const focusedAction = active?.dataset.action;
    /** @type {Map<string, CredentialSummary[]>} */
    const byPartner = new Map();
    for (const credential of state.credentials) {
      const key = String(credential.partnerId ?? '');
      const credentials = byPartner.get(key) ?? [];
      credentials.push(credential);
      byPartner.set(key, credentials);
    }
    if (byPartner.size === 0) {
      replace(list, h('p', { class: 'empty' }, t('credentials.none')));
      return;
    }
    const order = (/** @type {CredentialSummary} */ c) => MECHANISMS.indexOf(c.mechanism);
    replace(
      list,
      [...byPartner.keys()].sort().map((partner) =>
        h(
          'table',
          { class: 'credentials', 'data-partner': partner },
          h('caption', {}, t('credentials.partnerHeading', { partner })),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              [
                'mechanism',
                'credentials.publicId',
                'credentials.status',
                'credentials.created',
                'credentials.lastUse',
                'credentials.liveSecrets',
                'credentials.actions',
              ].map((key) => h('th', { scope: 'col' }, t(key))),
            ),
          ),
          h(
            'tbody',
            {},
            (byPartner.get(partner) ?? [])
              .sort((a, b) => order(a) - order(b) || Date.parse(a.createdAt) - Date.parse(b.createdAt))
              .map(row),
          ),
        ),
      ),
    );
    if (focusedRow && focusedAction) {
      /** @type {HTMLElement | null} */ (
        list.querySelector(`tr[data-credential="${CSS.escape(focusedRow)}"] [data-action="${focusedAction}"]`)
      )?.focus();
    }
  };

  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const mechanism = mechanismSelect.value;
    const partner = createPartner.value.trim();
    const cert = createCert.value.trim();
    const body = {
      mechanism,
      ...(partner ? { partner } : {}),
      ...(mechanism === 'private-key-jwt' && cert ? { cert } : {}),
    };
    try {
      /** @type {CreatedCredential | undefined} */
      const created = await api.request('POST', 'credentials', { body });
      if (!created) throw new Error('the server answered no credential');
      state.fresh.set(created.id, created);
      const publicId = created.accessKey ?? created.applicationId ?? created.clientId ?? created.apiKey ?? '';
      context.notify(t('credentials.created.status', { publicId }));
      showSecrets(created);
      await refresh();
    } catch (error) {
      context.fail(error);
    }
  });

  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    refresh();
  });

  return {
    refresh,
    render,
    /** Signed out: forget the list and any secret on screen. */
    forget() {
      signature = '';
      showSecrets(undefined);
    },
  };
}
