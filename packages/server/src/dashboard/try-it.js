// @ts-check
// "Try it": for a chosen credential, the secrets to export, a curl and a @payauth/client snippet, each with a
// copy button. Filled with real secrets only right after a creation or rotation (kept in memory, never stored).

import { mechanismLabel } from './credentials.js';
import { byId, h, replace } from './dom.js';
import { t } from './i18n.js';
import { createRehearsal } from './rehearse.js';
import { buildSnippets } from './snippets.js';

/** @import { DashboardContext } from './app.js' */

/**
 * The try-it section.
 * @param {Pick<DashboardContext, 'state' | 'api' | 'notify' | 'fail'>} context
 */
export function createTryItView(context) {
  const { state } = context;
  const select = byId('try-credential', HTMLSelectElement);
  const output = byId('try-snippets');
  const rehearsal = createRehearsal(context);
  /** @type {string | undefined} the id of the credential shown */
  let chosen;

  const base = () => new URL('../', window.location.href).href.replace(/\/$/, '');

  /**
   * @param {string} title
   * @param {string} text
   * @param {string} name
   */
  const block = (title, text, name) => {
    const code = h('code', {}, text);
    const button = h('button', { type: 'button', class: 'copy' }, t('copy'));
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = t('copied');
      } catch {
        window.getSelection()?.selectAllChildren(code);
      }
      setTimeout(() => {
        button.textContent = t('copy');
      }, 1500);
    });
    return h(
      'div',
      { class: 'snippet', 'data-snippet': name },
      h('h2', {}, title),
      h('pre', {}, code),
      button,
    );
  };

  const render = () => {
    const credentials = state.credentials;
    const credential =
      credentials.find((candidate) => candidate.id === chosen) ??
      credentials.find((candidate) => candidate.status !== 'revoked') ??
      credentials[0];
    if (credential === undefined) {
      replace(select);
      replace(output, h('p', { class: 'empty' }, t('try.none')));
      return;
    }
    chosen = credential.id;
    replace(
      select,
      credentials.map((candidate) =>
        h(
          'option',
          { value: candidate.id },
          `${mechanismLabel(candidate.mechanism)} — ${candidate.publicId} (${candidate.partnerId})`,
        ),
      ),
    );
    select.value = chosen;
    const secrets = state.fresh.get(chosen);
    const snippets = buildSnippets(credential, base(), secrets);
    replace(
      output,
      credential.status === 'revoked' ? h('p', { class: 'error' }, t('try.revoked')) : '',
      block(secrets ? t('try.envFilled') : t('try.env'), snippets.env, 'env'),
      block(t('try.curl'), snippets.curl, 'curl'),
      block(t('try.client'), snippets.client, 'client'),
      rehearsal.block(credential, render),
    );
  };

  select.addEventListener('change', () => {
    chosen = select.value;
    render();
  });

  return {
    render,
    /** Shows the credential `id` (the one shown until now when undefined). */
    choose: (/** @type {string | undefined} */ id) => {
      if (id) chosen = id;
      render();
    },
  };
}
