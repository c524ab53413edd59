// @ts-check
// Scenarios: arm a rehearsal scenario (docs/admin.md, "Scenarios") for the next requests of one credential or of
// any, see what is still armed, disarm. The scenarios and their parameters come from the server (`available` in
// `GET scenarios`); a server without scenarios (not a sandbox) says so. Words in both languages live here.

import { byId, h, replace } from './dom.js';
import { formatTime, language } from './i18n.js';

/**
 * @typedef {{ minimum: number, maximum: number, default: number, unit: string }} ScenarioParameter
 * @typedef {{ name: string, points: string[], parameters: Record<string, ScenarioParameter> }} ScenarioDefinition
 * @typedef {{ id: string, scenario: string, credentialId?: string, publicId?: string,
 *   params: Record<string, number>, times: number, remaining: number, createdAt: string }} ArmedScenario
 * @typedef {{ id: string, mechanism: string, publicId: string, partnerId: string, status: string }} Credential
 * @typedef {{ request(method: string, path: string, options?: { body?: unknown }): Promise<any> }} Api
 * @typedef {{ api: Api, state: { credentials: Credential[] }, notify(message: string, kind?: string): void,
 *   fail(error: unknown): void }} Context
 */

/** @type {Record<'en' | 'fr', Record<string, string>>} */
const WORDS = {
  en: {
    nav: 'Scenarios',
    title: 'Rehearsal scenarios',
    help: 'Make the sandbox fail on purpose, the way providers do: an armed scenario shapes the next matching requests, then disarms itself. One request alone: send the header Payauth-Scenario: NAME; key=value.',
    arm: 'Arm a scenario',
    scenario: 'Scenario',
    credential: 'For credential',
    credentialColumn: 'Credential',
    any: 'Any credential',
    times: 'Times',
    armButton: 'Arm',
    armed: 'Armed {scenario} ({id}).',
    disarmed: 'Disarmed {scenario} ({id}).',
    none: 'No scenario armed: requests are answered as usual.',
    off: 'This server plays no scenario: start it with --demo or --scenarios (sandbox only).',
    left: 'Left',
    parameters: 'Parameters',
    since: 'Armed at',
    disarm: 'Disarm',
    listTitle: 'Armed now',
    noParameter: '—',
  },
  fr: {
    nav: 'Scénarios',
    title: 'Scénarios de répétition',
    help: 'Faites échouer le bac à sable exprès, comme le font les fournisseurs : un scénario armé façonne les prochaines requêtes qui correspondent, puis se désarme. Pour une seule requête : envoyez l’en-tête Payauth-Scenario: NOM; clé=valeur.',
    arm: 'Armer un scénario',
    scenario: 'Scénario',
    credential: 'Pour l’identifiant',
    credentialColumn: 'Identifiant',
    any: 'N’importe quel identifiant',
    times: 'Fois',
    armButton: 'Armer',
    armed: '{scenario} armé ({id}).',
    disarmed: '{scenario} désarmé ({id}).',
    none: 'Aucun scénario armé : les requêtes reçoivent leur réponse habituelle.',
    off: 'Ce serveur ne joue aucun scénario : lancez-le avec --demo ou --scenarios (bac à sable seulement).',
    left: 'Restant',
    parameters: 'Paramètres',
    since: 'Armé le',
    disarm: 'Désarmer',
    listTitle: 'Armés maintenant',
    noParameter: '—',
  },
};

/**
 * A sentence of this panel in the current language, `{name}` replaced (as text).
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
function say(key, values = {}) {
  const words = WORDS[language() === 'fr' ? 'fr' : 'en'];
  return (words[key] ?? key).replace(/\{(\w+)\}/g, (_, name) =>
    name in values ? String(values[name]) : `{${name}}`,
  );
}

/**
 * The scenarios section. `context`: `{ api, state, notify, fail }` from app.js.
 * @param {Context} context
 */
export function createScenariosView(context) {
  const section = byId('scenarios');
  const link = byId('nav').querySelector('a[data-section="scenarios"]');
  /** @type {ScenarioDefinition[]} */
  let available = [];
  /** @type {ArmedScenario[]} */
  let armed = [];
  /** False once the server answered 404: it plays no scenario. */
  let playing = true;
  /** What the form holds across re-renders (language switch, refresh). */
  const form = {
    scenario: 'rate-limited',
    credential: '',
    times: '1',
    /** @type {Record<string, string>} */ params: {},
  };

  /** @param {ArmedScenario} entry */
  const describeParams = (entry) =>
    Object.entries(entry.params)
      .map(([key, value]) => `${key}=${value}`)
      .join('; ') || say('noParameter');

  const arm = async () => {
    const definition = available.find((candidate) => candidate.name === form.scenario);
    /** @type {Record<string, number>} */
    const params = {};
    for (const key of Object.keys(definition?.parameters ?? {})) {
      const value = form.params[key];
      if (value !== undefined && value !== '') params[key] = Number(value);
    }
    try {
      /** @type {ArmedScenario} */
      const created = await context.api.request('POST', 'scenarios', {
        body: {
          scenario: form.scenario,
          times: Number(form.times),
          params,
          ...(form.credential === '' ? {} : { credential: form.credential }),
        },
      });
      context.notify(say('armed', { scenario: created.scenario, id: created.id }));
      await refresh();
    } catch (error) {
      context.fail(error);
    }
  };

  /** @param {ArmedScenario} entry */
  const disarm = async (entry) => {
    try {
      await context.api.request('DELETE', `scenarios/${encodeURIComponent(entry.id)}`);
      context.notify(say('disarmed', { scenario: entry.scenario, id: entry.id }));
      await refresh();
    } catch (error) {
      context.fail(error);
    }
  };

  /**
   * A labelled field.
   * @param {string} id
   * @param {string} label
   * @param {HTMLElement} control
   */
  const field = (id, label, control) => {
    control.id = id;
    return h('div', { class: 'field' }, h('label', { for: id }, label), control);
  };

  const renderForm = () => {
    const definition = available.find((candidate) => candidate.name === form.scenario) ?? available[0];
    if (definition) form.scenario = definition.name;
    const scenarioSelect = /** @type {HTMLSelectElement} */ (
      h(
        'select',
        { name: 'scenario' },
        available.map((candidate) => h('option', { value: candidate.name }, candidate.name)),
      )
    );
    scenarioSelect.value = form.scenario;
    scenarioSelect.addEventListener('change', () => {
      form.scenario = scenarioSelect.value;
      form.params = {};
      render();
      byId('scenario-name').focus();
    });
    const credentialSelect = /** @type {HTMLSelectElement} */ (
      h(
        'select',
        { name: 'credential' },
        h('option', { value: '' }, say('any')),
        context.state.credentials
          .filter((credential) => credential.status !== 'revoked')
          .map((credential) =>
            h('option', { value: credential.id }, `${credential.mechanism} — ${credential.publicId}`),
          ),
      )
    );
    credentialSelect.value = form.credential;
    if (credentialSelect.value !== form.credential) form.credential = '';
    credentialSelect.addEventListener('change', () => {
      form.credential = credentialSelect.value;
    });
    const times = /** @type {HTMLInputElement} */ (
      h('input', { name: 'times', type: 'number', min: '1', max: '1000', step: '1', value: form.times })
    );
    times.addEventListener('input', () => {
      form.times = times.value;
    });
    const parameterFields = Object.entries(definition?.parameters ?? {}).map(([key, parameter]) => {
      const input = /** @type {HTMLInputElement} */ (
        h('input', {
          name: key,
          type: 'number',
          min: String(parameter.minimum),
          max: String(parameter.maximum),
          step: '1',
          placeholder: String(parameter.default),
          value: form.params[key] ?? '',
        })
      );
      input.addEventListener('input', () => {
        form.params[key] = input.value;
      });
      return field(`scenario-param-${key}`, `${key} (${parameter.unit})`, input);
    });
    const element = h(
      'form',
      { class: 'panel row', novalidate: true, 'aria-labelledby': 'scenario-arm-title' },
      h('h2', { id: 'scenario-arm-title' }, say('arm')),
      field('scenario-name', say('scenario'), scenarioSelect),
      field('scenario-credential', say('credential'), credentialSelect),
      field('scenario-times', say('times'), times),
      parameterFields,
      h('button', { type: 'submit', class: 'primary' }, say('armButton')),
    );
    element.addEventListener('submit', (/** @type {SubmitEvent} */ event) => {
      event.preventDefault();
      arm();
    });
    return element;
  };

  const renderList = () => {
    if (armed.length === 0) return h('p', { class: 'empty', id: 'scenario-none' }, say('none'));
    return h(
      'table',
      { id: 'scenario-list' },
      h('caption', {}, say('listTitle')),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [say('scenario'), say('credentialColumn'), say('left'), say('parameters'), say('since'), ''].map(
            (title) => h('th', { scope: 'col' }, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        armed.map((entry) =>
          h(
            'tr',
            { 'data-scenario': entry.id },
            h('th', { scope: 'row' }, h('code', {}, entry.scenario)),
            h('td', {}, entry.publicId === undefined ? say('any') : h('code', {}, entry.publicId)),
            h('td', { 'data-field': 'remaining' }, `${entry.remaining}/${entry.times}`),
            h('td', {}, describeParams(entry)),
            h('td', {}, formatTime(entry.createdAt)),
            h(
              'td',
              { class: 'actions' },
              h(
                'button',
                { type: 'button', class: 'danger', 'data-action': 'disarm', onclick: () => disarm(entry) },
                say('disarm'),
              ),
            ),
          ),
        ),
      ),
    );
  };

  /** Everything: after a language switch, a credential change, or when the scenarios were first read. */
  const render = () => {
    if (link) link.textContent = say('nav');
    const focused = document.activeElement?.id;
    replace(
      section,
      h('h1', { id: 'scenarios-title' }, say('title')),
      h('p', {}, say('help')),
      playing
        ? [renderForm(), h('div', { id: 'scenario-armed' }, renderList())]
        : h('p', { class: 'empty', id: 'scenario-off' }, say('off')),
    );
    if (focused) document.getElementById(focused)?.focus();
  };

  /** Reads what is armed; only the list is redrawn, so a periodic refresh never disturbs the form being filled. */
  const refresh = async () => {
    const known = available.length;
    const wasPlaying = playing;
    try {
      /** @type {{ scenarios: ArmedScenario[], available: ScenarioDefinition[] }} */
      const answer = await context.api.request('GET', 'scenarios');
      armed = answer.scenarios;
      available = answer.available;
      playing = true;
    } catch (error) {
      if (/** @type {{ status?: number }} */ (error).status === 404) playing = false;
      else context.fail(error);
    }
    const list = document.getElementById('scenario-armed');
    if (list && playing === wasPlaying && available.length === known) {
      const focused = document.activeElement?.closest?.('tr')?.getAttribute('data-scenario');
      replace(list, renderList());
      if (focused) {
        /** @type {HTMLElement | null} */ (
          list.querySelector(`tr[data-scenario="${CSS.escape(focused)}"] button`)
        )?.focus();
      }
    } else render();
  };

  return { render, refresh };
}
