// The playground: paste an AUTH header, an assertion, a token request, a Fondy body or a token; the server runs
// `payauth doctor`'s diagnosis and every finding is listed in order with pass or fail.

import { byId, h, replace } from './dom.js';
import { language, t } from './i18n.js';

const KINDS = ['hmac-header', 'app-token-body', 'assertion', 'token-request', 'token'];

/** The playground section. `context`: `{ api, fail }` from app.js. */
export function createPlaygroundView(context) {
  const form = byId('playground-form');
  const kind = byId('playground-kind');
  const result = byId('playground-result');
  let last; // the last diagnosis and the request that produced it

  const fillKinds = () => {
    const chosen = kind.value || KINDS[0];
    replace(
      kind,
      KINDS.map((value) => h('option', { value }, t(`kind.${value}`))),
    );
    kind.value = chosen;
  };

  const outcome = (finding) => (finding.code === 'VALID' ? 'pass' : finding.severity);

  const render = () => {
    fillKinds();
    if (!last) {
      replace(result);
      return;
    }
    const { diagnosis } = last;
    const findings = Array.isArray(diagnosis.findings) ? diagnosis.findings : [];
    const failed = findings.filter((finding) => finding.severity === 'error').length;
    replace(
      result,
      h(
        'p',
        {
          class: `verdict ${diagnosis.valid ? 'good' : 'bad'}`,
          'data-valid': String(Boolean(diagnosis.valid)),
        },
        diagnosis.valid ? t('playground.valid') : t('playground.invalid', { count: failed }),
      ),
      diagnosis.serverSecretUsed ? h('p', { class: 'note' }, t('playground.serverSecret')) : '',
      h(
        'ol',
        { class: 'checks' },
        findings.map((finding) =>
          h(
            'li',
            { class: `check ${outcome(finding)}`, 'data-code': String(finding.code ?? '') },
            h('span', { class: `badge ${outcome(finding)}` }, t(`severity.${outcome(finding)}`)),
            ' ',
            h('code', {}, String(finding.code ?? '')),
            ' ',
            h('span', { class: 'message' }, String(finding.message ?? '')),
          ),
        ),
      ),
    );
  };

  const check = async (request) => {
    try {
      const diagnosis = await context.api.request('POST', 'diagnose', {
        body: { ...request, lang: language() },
      });
      last = { request, diagnosis };
      render();
    } catch (error) {
      context.fail(error);
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = form.elements.value.value;
    if (value.trim() === '') {
      context.notify(t('playground.empty'), 'error');
      return;
    }
    const secretKey = form.elements.secret.value;
    check({ kind: kind.value, value, ...(secretKey ? { secretKey } : {}) });
  });

  return {
    render,
    /** The findings are sentences from the server: ask again in the new language. */
    languageChanged: () => {
      render();
      if (last) check(last.request);
    },
  };
}
