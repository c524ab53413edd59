// @ts-check
// The playground: paste an AUTH header, an assertion, a token request, a Fondy body or a token; the server runs
// `payauth doctor`'s diagnosis and every finding is listed in order with pass or fail.

import { byId, h, replace } from './dom.js';
import { language, t } from './i18n.js';

/** @import { Diagnosis, Finding } from './api.js' */
/** @import { DashboardContext } from './app.js' */

const KINDS = /** @type {const} */ (['hmac-header', 'app-token-body', 'assertion', 'token-request', 'token']);

/**
 * What is sent to `POST diagnose` (with the language).
 * @typedef {{ kind: string, value: string, secretKey?: string }} DiagnoseRequest
 */

/**
 * The playground section.
 * @param {Pick<DashboardContext, 'api' | 'fail' | 'notify'>} context
 */
export function createPlaygroundView(context) {
  const form = byId('playground-form', HTMLFormElement);
  const kind = byId('playground-kind', HTMLSelectElement);
  const valueField = byId('playground-value', HTMLTextAreaElement);
  const secretField = byId('playground-secret', HTMLInputElement);
  const result = byId('playground-result');
  /** @type {{ request: DiagnoseRequest, diagnosis: Diagnosis } | undefined} the last diagnosis and its request */
  let last;

  const fillKinds = () => {
    const chosen = kind.value || KINDS[0];
    replace(
      kind,
      KINDS.map((value) => h('option', { value }, t(`kind.${value}`))),
    );
    kind.value = chosen;
  };

  const outcome = (/** @type {Finding} */ finding) => (finding.code === 'VALID' ? 'pass' : finding.severity);

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

  /** @param {DiagnoseRequest} request */
  const check = async (request) => {
    try {
      /** @type {Diagnosis | undefined} */
      const diagnosis = await context.api.request('POST', 'diagnose', {
        body: { ...request, lang: language() },
      });
      if (!diagnosis) throw new Error('the server answered no diagnosis');
      last = { request, diagnosis };
      render();
    } catch (error) {
      context.fail(error);
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = valueField.value;
    if (value.trim() === '') {
      context.notify(t('playground.empty'), 'error');
      return;
    }
    const secretKey = secretField.value;
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
