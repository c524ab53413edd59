// @ts-check
// "Try it" → "Rehearse a failure": arm a scenario (docs/admin.md, "Scenarios") for the chosen credential, run the
// client snippet above, and watch what happened step by step — the answers the sandbox shaped and the client's next
// requests, read from the audit trail of that credential since the scenario was armed. Sandbox only: a server without
// scenarios shows nothing here.

import { h, replace } from './dom.js';
import { formatTime, language } from './i18n.js';

/**
 * @typedef {{ name: string, parameters: Record<string, { default: number, unit: string }> }} ScenarioDefinition
 * @typedef {{ at: string, mechanism: string, outcome: 'success' | 'failure', reason: string, count: number,
 *   credentialId?: string }} AuditEvent
 * @typedef {{ id: string, mechanism: string, publicId: string, status: string }} Credential
 * @typedef {{ request(method: string, path: string, options?: { body?: unknown, query?: Record<string, unknown> }):
 *   Promise<any>, }} Api
 * @typedef {{ api: Api, notify(message: string, kind?: string): void, fail(error: unknown): void }} Context
 * @typedef {{ credentialId: string, scenario: string, since: number, steps: AuditEvent[] }} Rehearsal
 */

/** @type {Record<'en' | 'fr', Record<string, string>>} */
const WORDS = {
  en: {
    title: 'Rehearse a failure',
    help: 'Arm a scenario for this credential, run the client snippet above, and see what the sandbox answered and what your client did next.',
    scenario: 'Failure to rehearse',
    arm: 'Arm for this credential',
    waiting: 'Armed {scenario}: run the client snippet above. Its requests appear here.',
    played: 'the sandbox played {scenario}',
    accepted: 'accepted',
    refused: 'refused: {reason}',
    times: '×{count}',
    expect: 'A well-behaved client: {advice}',
  },
  fr: {
    title: 'Répéter une panne',
    help: 'Armez un scénario pour cet identifiant, lancez l’extrait client ci-dessus, et voyez ce que le bac à sable a répondu et ce que votre client a fait ensuite.',
    scenario: 'Panne à répéter',
    arm: 'Armer pour cet identifiant',
    waiting: '{scenario} armé : lancez l’extrait client ci-dessus. Ses requêtes apparaissent ici.',
    played: 'le bac à sable a joué {scenario}',
    accepted: 'acceptée',
    refused: 'refusée : {reason}',
    times: '×{count}',
    expect: 'Un client bien élevé : {advice}',
  },
};

/** What a well-behaved client does, in one line per scenario (docs/rehearsal.md says it in full). */
/** @type {Record<'en' | 'fr', Record<string, string>>} */
const ADVICE = {
  en: {
    'token-expired': 'drops the token, fetches a new one once, retries once.',
    'credential-revoked': 'stops and reports it: no retry, no loop.',
    'rate-limited': 'waits Retry-After (bounded), then retries an idempotent or token request.',
    unavailable: 'waits Retry-After (bounded), then retries an idempotent or token request.',
    'server-error': 'retries an idempotent request later, with a bounded back-off; never in a tight loop.',
    slow: 'gives up at its own timeout, and does not pile up requests.',
    'clock-skew': 'learns the offset from Date and signs with the server’s time.',
    'malformed-token': 'fails with a typed error: no crash, no loop.',
    'key-rotated': 'as a resource server, refetches the JWKS on an unknown kid.',
  },
  fr: {
    'token-expired': 'jette le jeton, en redemande un une fois, réessaie une fois.',
    'credential-revoked': 's’arrête et le signale : ni nouvel essai, ni boucle.',
    'rate-limited': 'attend Retry-After (borné), puis réessaie une requête idempotente ou de jeton.',
    unavailable: 'attend Retry-After (borné), puis réessaie une requête idempotente ou de jeton.',
    'server-error':
      'réessaie plus tard une requête idempotente, avec une attente bornée ; jamais en boucle serrée.',
    slow: 'abandonne à son propre délai, sans empiler les requêtes.',
    'clock-skew': 'apprend le décalage par Date et signe à l’heure du serveur.',
    'malformed-token': 'échoue avec une erreur typée : ni plantage, ni boucle.',
    'key-rotated': 'en serveur de ressources, recharge le JWKS sur un kid inconnu.',
  },
};

const POLL_MS = 1000;
/** How long the steps are followed after arming. */
const FOLLOW_MS = 120_000;

/**
 * A sentence of this block in the current language, `{name}` replaced (as text).
 * @param {Record<'en' | 'fr', Record<string, string>>} table
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
function phrase(table, key, values = {}) {
  const words = table[language() === 'fr' ? 'fr' : 'en'];
  return (words[key] ?? key).replace(/\{(\w+)\}/g, (_, name) =>
    name in values ? String(values[name]) : `{${name}}`,
  );
}

/** @param {string} key @param {Record<string, string | number>} [values] */
const say = (key, values) => phrase(WORDS, key, values);

/**
 * The "Rehearse a failure" block of Try it. Its state (the scenarios, the rehearsal being followed) outlives a
 * re-render of the section.
 * @param {Context} context
 */
export function createRehearsal(context) {
  /** @type {ScenarioDefinition[] | undefined} undefined until read; empty when the server plays no scenario */
  let available;
  /** @type {Rehearsal | undefined} */
  let current;
  let chosen = 'rate-limited';
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let timer;
  /** @type {HTMLElement | undefined} */
  let steps;

  const load = async () => {
    try {
      available = (await context.api.request('GET', 'scenarios')).available;
    } catch {
      // 404: not a sandbox with scenarios. Anything else: the other sections report it.
      available = [];
    }
  };

  /** @param {AuditEvent} event */
  const describeStep = (event) => {
    const scenario = /^SCENARIO_/.test(event.reason)
      ? event.reason.slice('SCENARIO_'.length).toLowerCase().replaceAll('_', '-')
      : undefined;
    const what = scenario
      ? say('played', { scenario })
      : event.outcome === 'success'
        ? say('accepted')
        : say('refused', { reason: event.reason });
    return h(
      'li',
      { 'data-reason': event.reason, 'data-outcome': event.outcome },
      h('span', { class: `badge ${event.outcome === 'success' ? 'good' : 'bad'}` }, event.reason),
      ` ${formatTime(event.at, false)} — ${what}`,
      event.count > 1 ? ` ${say('times', { count: event.count })}` : '',
    );
  };

  const drawSteps = () => {
    if (!steps || !current) return;
    replace(
      steps,
      h('p', { class: 'note' }, say('waiting', { scenario: current.scenario })),
      h('ol', { class: 'checks', id: 'rehearse-steps-list' }, current.steps.map(describeStep)),
      h('p', {}, say('expect', { advice: phrase(ADVICE, current.scenario) })),
    );
  };

  const follow = async () => {
    const followed = current;
    if (!followed) return;
    if (Date.now() - followed.since > FOLLOW_MS) {
      clearInterval(timer);
      return;
    }
    try {
      const answer = await context.api.request('GET', 'audit', {
        query: { credential: followed.credentialId, since: followed.since, limit: 100 },
      });
      // Admin rows (arming) are not the client's steps.
      followed.steps = (answer?.events ?? []).filter(
        (/** @type {AuditEvent} */ event) => event.mechanism !== 'admin',
      );
      if (followed === current) drawSteps();
    } catch (error) {
      clearInterval(timer);
      context.fail(error);
    }
  };

  /** @param {Credential} credential */
  const arm = async (credential) => {
    try {
      const armed = await context.api.request('POST', 'scenarios', {
        body: { scenario: chosen, credential: credential.id },
      });
      current = {
        credentialId: credential.id,
        scenario: armed.scenario,
        since: Date.parse(armed.createdAt),
        steps: [],
      };
      drawSteps();
      clearInterval(timer);
      timer = setInterval(follow, POLL_MS);
    } catch (error) {
      context.fail(error);
    }
  };

  /**
   * The block for `credential`, or nothing when the server plays no scenario.
   * @param {Credential} credential
   * @param {() => void} rerender called once the scenarios were read
   * @returns {HTMLElement | string}
   */
  const block = (credential, rerender) => {
    if (available === undefined) {
      load().then(rerender);
      return '';
    }
    if (available.length === 0 || credential.status === 'revoked') return '';
    const select = /** @type {HTMLSelectElement} */ (
      h(
        'select',
        { id: 'rehearse-scenario' },
        available.map((definition) => h('option', { value: definition.name }, definition.name)),
      )
    );
    select.value = chosen;
    select.addEventListener('change', () => {
      chosen = select.value;
    });
    steps = h('div', { id: 'rehearse-steps', 'aria-live': 'polite' });
    if (current?.credentialId === credential.id) drawSteps();
    return h(
      'section',
      { class: 'snippet', 'data-snippet': 'rehearse', 'aria-labelledby': 'rehearse-title' },
      h('h2', { id: 'rehearse-title' }, say('title')),
      h('p', {}, say('help')),
      h(
        'div',
        { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: 'rehearse-scenario' }, say('scenario')), select),
        h('button', { type: 'button', class: 'primary', onclick: () => arm(credential) }, say('arm')),
      ),
      steps,
    );
  };

  return { block };
}
