// @ts-check
// Accepted/rejected per minute per mechanism, drawn as inline SVG (no chart library): one small chart per
// mechanism, one stacked bar per minute, and the same numbers in a table for screen readers and copy-paste.

import { h, svg } from './dom.js';
import { formatTime, t } from './i18n.js';

const WIDTH = 560;
const HEIGHT = 170;
const PAD = { top: 12, right: 8, bottom: 22, left: 36 };
const MINUTE = 60_000;

/**
 * One bar: the attempts of one mechanism in one minute (`minute` in ms since the epoch).
 * @typedef {{ minute: number, accepted: number, rejected: number }} Bucket
 */

/**
 * Groups the stats rows (`{minute, mechanism, accepted, rejected}`, `minute` an ISO date or ms) into one series of
 * `count` minutes per mechanism ending at the minute of `now`. Mechanisms in `always` get a series even when empty.
 */
/**
 * @param {readonly import('./api.js').MinuteStats[] | undefined} rows
 * @param {number} now
 * @param {number} [count]
 * @param {readonly string[]} [always]
 * @returns {Map<string, Bucket[]>}
 */
export function buildSeries(rows, now, count = 60, always = []) {
  const last = Math.floor(now / MINUTE) * MINUTE;
  const first = last - (count - 1) * MINUTE;
  /** @type {Map<string, Bucket[]>} */
  const series = new Map();
  /** @param {string} mechanism */
  const ensure = (mechanism) => {
    let buckets = series.get(mechanism);
    if (buckets === undefined) {
      buckets = Array.from({ length: count }, (_, index) => ({
        minute: first + index * MINUTE,
        accepted: 0,
        rejected: 0,
      }));
      series.set(mechanism, buckets);
    }
    return buckets;
  };
  for (const mechanism of always) ensure(mechanism);
  for (const row of rows ?? []) {
    const minute = typeof row.minute === 'number' ? row.minute : Date.parse(row.minute);
    if (!Number.isFinite(minute) || typeof row.mechanism !== 'string') continue;
    const index = Math.floor((minute - first) / MINUTE);
    if (index < 0 || index >= count) continue;
    const bucket = ensure(row.mechanism)[index];
    if (bucket === undefined) continue;
    bucket.accepted += Number(row.accepted) || 0;
    bucket.rejected += Number(row.rejected) || 0;
  }
  return series;
}

/** @param {number} value */
function niceMax(value) {
  if (value <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((candidate) => candidate >= value) ?? value;
}

/**
 * @param {string} mechanism
 * @param {readonly Bucket[]} buckets
 */
function drawChart(mechanism, buckets) {
  const accepted = buckets.reduce((sum, bucket) => sum + bucket.accepted, 0);
  const rejected = buckets.reduce((sum, bucket) => sum + bucket.rejected, 0);
  const max = niceMax(Math.max(...buckets.map((bucket) => bucket.accepted + bucket.rejected)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = plotWidth / buckets.length;
  const barWidth = Math.max(1, step - 2);
  const y = (/** @type {number} */ value) => PAD.top + plotHeight - (value / max) * plotHeight;
  const label = t('activity.chartLabel', { mechanism, accepted, rejected });
  const bars = buckets.map((bucket, index) => {
    const x = PAD.left + index * step + 1;
    const title = `${formatTime(bucket.minute, false).slice(0, 5)} — ${bucket.accepted} ${t('activity.accepted')}, ${bucket.rejected} ${t('activity.rejected')}`;
    return svg(
      'g',
      { class: 'bar' },
      svg('title', {}, title),
      bucket.accepted > 0 &&
        svg('rect', {
          class: 'accepted',
          x: x.toFixed(1),
          y: y(bucket.accepted).toFixed(1),
          width: barWidth.toFixed(1),
          height: (y(0) - y(bucket.accepted)).toFixed(1),
        }),
      bucket.rejected > 0 &&
        svg('rect', {
          class: 'rejected',
          x: x.toFixed(1),
          y: y(bucket.accepted + bucket.rejected).toFixed(1),
          width: barWidth.toFixed(1),
          height: (y(bucket.accepted) - y(bucket.accepted + bucket.rejected)).toFixed(1),
        }),
    );
  });
  const ticks = [0, Math.floor(buckets.length / 2), buckets.length - 1].map((index) =>
    svg(
      'text',
      {
        class: 'tick',
        x: (PAD.left + index * step + step / 2).toFixed(1),
        y: HEIGHT - 6,
        'text-anchor': 'middle',
      },
      formatTime(buckets[index]?.minute, false).slice(0, 5),
    ),
  );
  return h(
    'figure',
    { class: 'chart', 'data-mechanism': mechanism },
    h(
      'figcaption',
      {},
      h('strong', {}, mechanism),
      ' ',
      h('span', { class: 'legend accepted' }, `${accepted} ${t('activity.accepted')}`),
      ' ',
      h('span', { class: 'legend rejected' }, `${rejected} ${t('activity.rejected')}`),
    ),
    svg(
      'svg',
      { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label, class: 'plot' },
      svg('line', { class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(0), y2: y(0) }),
      svg('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(max), y2: y(max) }),
      svg('text', { class: 'tick', x: PAD.left - 6, y: y(max) + 4, 'text-anchor': 'end' }, String(max)),
      svg('text', { class: 'tick', x: PAD.left - 6, y: y(0) + 4, 'text-anchor': 'end' }, '0'),
      bars,
      ticks,
    ),
    drawTable(mechanism, buckets),
  );
}

/**
 * @param {string} mechanism
 * @param {readonly Bucket[]} buckets
 */
function drawTable(mechanism, buckets) {
  const used = buckets.filter((bucket) => bucket.accepted + bucket.rejected > 0);
  return h(
    'details',
    {},
    h('summary', {}, t('activity.table')),
    h(
      'table',
      { class: 'numbers' },
      h('caption', {}, mechanism),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, t('activity.minute')),
          h('th', { scope: 'col' }, t('activity.accepted')),
          h('th', { scope: 'col' }, t('activity.rejected')),
        ),
      ),
      h(
        'tbody',
        {},
        used.map((bucket) =>
          h(
            'tr',
            {},
            h('td', {}, formatTime(bucket.minute, false).slice(0, 5)),
            h('td', {}, String(bucket.accepted)),
            h('td', {}, String(bucket.rejected)),
          ),
        ),
      ),
    ),
  );
}

/** The charts for a stats answer: one per mechanism (the four always, others such as `bearer` when present). */
/**
 * @param {readonly import('./api.js').MinuteStats[] | undefined} rows
 * @param {number} now
 * @param {readonly string[]} mechanisms
 */
export function drawCharts(rows, now, mechanisms) {
  const series = buildSeries(rows, now, 60, mechanisms);
  return [...series.entries()].map(([mechanism, buckets]) => drawChart(mechanism, buckets));
}
