// @ts-check
// Live rejections, read from the admin event stream: time, mechanism, credential, reason and the diagnosis in the
// chosen language; selecting one shows the request's shape (method, path, header names — never a value) and the fix.

import { ApiError } from './api.js';
import { byId, h, replace } from './dom.js';
import { formatTime, language, t } from './i18n.js';

/** @import { RejectionMessage } from './api.js' */
/** @import { DashboardContext } from './app.js' */

const KEEP = 200;

/**
 * A rejection as the list keeps it: the stream's message and a number of its own, to select it by.
 * @typedef {Partial<RejectionMessage> & { key: number }} ListedRejection
 */

/** @typedef {'connecting' | 'connected' | 'retrying'} Connection */

/**
 * The live section.
 * @param {Pick<DashboardContext, 'api' | 'onUnauthorized' | 'visible' | 'rejected'>} context
 */
export function createLiveView(context) {
  const list = byId('live-list');
  const detail = byId('live-detail');
  const badge = byId('stream-state');
  const counter = byId('live-count');
  /** @type {ListedRejection[]} newest first */
  const events = [];
  /** @type {number | undefined} the key of the rejection shown in detail */
  let selected;
  let unseen = 0;
  /** @type {AbortController | undefined} */
  let controller;
  /** @type {Connection} */
  let connection = 'connecting';
  let sequence = 0;

  /** @param {Connection} next */
  const setConnection = (next) => {
    connection = next;
    badge.textContent = t(`live.${next}`);
    badge.className = `badge ${next === 'connected' ? 'good' : 'warn'}`;
    badge.dataset.state = next;
  };

  const diagnosisOf = (/** @type {ListedRejection} */ event) =>
    event.diagnosis?.[language()] ?? event.diagnosis?.en ?? event.reason ?? '';

  const renderDetail = () => {
    const event = events.find((candidate) => candidate.key === selected);
    if (!event) {
      replace(detail, h('p', { class: 'empty' }, t('live.pick')));
      return;
    }
    const headerNames = Array.isArray(event.headerNames) ? event.headerNames : [];
    replace(
      detail,
      h('h2', {}, t('live.request')),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('live.method')),
        h('dd', {}, h('code', { 'data-field': 'method' }, String(event.method ?? ''))),
        h('dt', {}, t('live.path')),
        h('dd', {}, h('code', { 'data-field': 'path' }, String(event.path ?? ''))),
        h('dt', {}, t('live.headers')),
        h(
          'dd',
          { 'data-field': 'headers' },
          headerNames.length === 0
            ? t('live.noHeaders')
            : h(
                'ul',
                { class: 'inline' },
                headerNames.map((name) => h('li', {}, h('code', {}, String(name)))),
              ),
        ),
        h('dt', {}, t('mechanism')),
        h('dd', {}, String(event.mechanism ?? '')),
        h('dt', {}, t('live.credential')),
        h('dd', {}, h('code', {}, String(event.publicId ?? '—'))),
        h('dt', {}, t('live.code')),
        h('dd', {}, h('code', {}, String(event.code ?? ''))),
        h('dt', {}, t('live.requestId')),
        h('dd', {}, h('code', {}, String(event.requestId ?? ''))),
      ),
      h('h2', {}, t('live.fix')),
      h('p', { class: 'diagnosis', 'data-field': 'fix' }, diagnosisOf(event)),
      event.hint ? h('p', { class: 'hint' }, h('strong', {}, `${t('live.hint')}: `), String(event.hint)) : '',
    );
  };

  const select = (/** @type {number} */ key) => {
    selected = key;
    render();
    detail.focus();
  };

  const render = () => {
    setConnection(connection);
    // Keep the keyboard focus on the same rejection across a re-render.
    const active = document.activeElement;
    const focusedKey =
      active instanceof HTMLElement && list.contains(active) ? active.dataset.key : undefined;
    counter.hidden = unseen === 0;
    counter.textContent = String(unseen);
    if (events.length === 0) {
      replace(list, h('p', { class: 'empty' }, t('live.empty')));
    } else {
      replace(
        list,
        h(
          'table',
          { class: 'rejections' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['live.time', 'mechanism', 'live.credential', 'live.reason', 'live.diagnosis'].map((key) =>
                h('th', { scope: 'col' }, t(key)),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            events.map((event) =>
              h(
                'tr',
                {
                  class: event.key === selected ? 'selected' : '',
                  'data-code': String(event.code ?? ''),
                  'data-public-id': String(event.publicId ?? ''),
                },
                h(
                  'td',
                  {},
                  // A real button: reachable with Tab, activated with Enter or Space.
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'link',
                      'aria-pressed': event.key === selected ? 'true' : 'false',
                      'data-key': String(event.key),
                      onclick: () => select(event.key),
                    },
                    formatTime(event.at, false),
                  ),
                ),
                h('td', {}, String(event.mechanism ?? '')),
                h('td', {}, h('code', {}, String(event.publicId ?? '—'))),
                h('td', {}, h('code', {}, String(event.code ?? '')), ' ', String(event.reason ?? '')),
                h('td', { class: 'diagnosis' }, diagnosisOf(event)),
              ),
            ),
          ),
        ),
      );
    }
    if (focusedKey)
      /** @type {HTMLElement | null} */ (list.querySelector(`button[data-key="${focusedKey}"]`))?.focus();
    renderDetail();
  };

  /** @param {unknown} message */
  const receive = (message) => {
    if (!message || typeof message !== 'object') return;
    events.unshift({ .../** @type {Partial<RejectionMessage>} */ (message), key: ++sequence });
    events.length = Math.min(events.length, KEEP);
    if (!context.visible('live')) unseen++;
    render();
    context.rejected?.(message);
  };

  /** Reads the stream until logged out; reconnects with back-off (1 s → 10 s) when it drops. */
  const connect = async () => {
    controller?.abort();
    const own = new AbortController();
    controller = own;
    let delay = 1000;
    while (!own.signal.aborted) {
      setConnection('connecting');
      try {
        await context.api.stream('events', {
          onOpen: () => {
            setConnection('connected');
            delay = 1000;
          },
          onMessage: receive,
          signal: own.signal,
        });
      } catch (error) {
        if (own.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) {
          context.onUnauthorized();
          return;
        }
      }
      if (own.signal.aborted) return;
      setConnection('retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };

  byId('live-clear').addEventListener('click', () => {
    events.length = 0;
    selected = undefined;
    render();
  });

  return {
    connect,
    disconnect: () => controller?.abort(),
    render,
    shown: () => {
      unseen = 0;
      render();
    },
  };
}
