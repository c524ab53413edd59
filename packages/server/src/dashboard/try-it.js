// "Try it": for a chosen credential, the secrets to export, a curl and a @payauth/client snippet, each with a
// copy button. Filled with real secrets only right after a creation or rotation (kept in memory, never stored).

import { mechanismLabel } from './credentials.js';
import { byId, h, replace } from './dom.js';
import { t } from './i18n.js';
import { createRehearsal } from './rehearse.js';
import { buildSnippets } from './snippets.js';

/** The try-it section. `context`: `{ state }` from app.js. */
export function createTryItView(context) {
  const { state } = context;
  const select = byId('try-credential');
  const output = byId('try-snippets');
  const rehearsal = createRehearsal(context);
  let chosen;

  const base = () => new URL('../', window.location.href).href.replace(/\/$/, '');

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
    if (credentials.length === 0) {
      replace(select);
      replace(output, h('p', { class: 'empty' }, t('try.none')));
      return;
    }
    if (!credentials.some((credential) => credential.id === chosen)) {
      chosen = (credentials.find((credential) => credential.status !== 'revoked') ?? credentials[0]).id;
    }
    replace(
      select,
      credentials.map((credential) =>
        h(
          'option',
          { value: credential.id },
          `${mechanismLabel(credential.mechanism)} — ${credential.publicId} (${credential.partnerId})`,
        ),
      ),
    );
    select.value = chosen;
    const credential = credentials.find((candidate) => candidate.id === chosen);
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
    choose: (id) => {
      if (id) chosen = id;
      render();
    },
  };
}
