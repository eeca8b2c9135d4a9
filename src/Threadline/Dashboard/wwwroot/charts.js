// Small SVG charts drawn by hand for the overview: a stacked bar chart (runs per minute) and a
// line chart (queue wait, time to first token), over the same minutes.
import { h, s } from './ui.js';

// Drawn in user units at about the size shown (the SVG scales uniformly), so text keeps its shape.
const H = 160;
const PAD = { left: 52, right: 10, top: 10, bottom: 22 };
const plotH = H - PAD.top - PAD.bottom;

/** The smallest "nice" number (1, 2, 2.5, 5 × 10^n) at or above `v`. */
function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const pad2 = (n) => String(n).padStart(2, '0');
const hhmm = (ms) => {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
};

function frame(W, labels, max, format) {
  const plotW = W - PAD.left - PAD.right;
  const g = s('g', { class: 'axes' });
  for (const f of [0, 0.5, 1]) {
    const y = PAD.top + plotH - f * plotH;
    g.append(s('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }));
    g.append(s('text', { class: 'tick', x: PAD.left - 6, y: y + 4, 'text-anchor': 'end' }, format(max * f)));
  }
  const n = labels.length;
  if (n > 0) {
    const step = n > 30 ? 15 : n > 10 ? 5 : 1;
    for (let i = 0; i < n; i += step) {
      const x = PAD.left + ((i + 0.5) / n) * plotW;
      g.append(s('text', { class: 'tick', x, y: H - 6, 'text-anchor': 'middle' }, hhmm(labels[i])));
    }
  }
  return g;
}

function figure(title, series, svg, testid) {
  return h(
    'figure',
    { class: 'chart', testid },
    h('figcaption', null, h('span', { class: 'chart-title' }, title), h('span', { class: 'legend' }, series.map((x) => h('span', { class: `key ${x.cls}` }, x.name)))),
    svg,
  );
}

/**
 * Stacked bars, one per label. series: [{ name, cls, values: number[] }]; width in user units.
 */
export function barChart({ title, labels, series, format = (v) => String(Math.round(v)), testid, width: W = 560 }) {
  const plotW = W - PAD.left - PAD.right;
  const n = labels.length;
  const totals = labels.map((_, i) => series.reduce((sum, x) => sum + (x.values[i] ?? 0), 0));
  const max = niceCeil(Math.max(0, ...totals));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  svg.append(frame(W, labels, max, format));
  const bw = n > 0 ? plotW / n : 0;
  for (let i = 0; i < n; i++) {
    let base = 0;
    const parts = [];
    for (const x of series) {
      const v = x.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = PAD.top + plotH - (base / max) * plotH;
      const y1 = PAD.top + plotH - ((base + v) / max) * plotH;
      parts.push(s('rect', { class: `bar ${x.cls}`, x: PAD.left + i * bw + bw * 0.12, y: y1, width: Math.max(1, bw * 0.76), height: Math.max(0.5, y0 - y1) }));
      base += v;
    }
    if (parts.length) {
      const tip = `${hhmm(labels[i])}  ${series.map((x) => `${x.name} ${x.values[i] ?? 0}`).join(', ')}`;
      svg.append(s('g', null, s('title', null, tip), parts));
    }
  }
  return figure(title, series, svg, testid);
}

/**
 * Lines over the labels; null values leave gaps (a lone point is drawn as a dot).
 * series: [{ name, cls, values: (number|null)[] }].
 */
export function lineChart({ title, labels, series, format = (v) => String(Math.round(v)), testid, width: W = 560 }) {
  const plotW = W - PAD.left - PAD.right;
  const n = labels.length;
  const all = series.flatMap((x) => x.values.filter((v) => v !== null && v !== undefined));
  const max = niceCeil(Math.max(0, ...all));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  svg.append(frame(W, labels, max, format));
  const xOf = (i) => PAD.left + ((i + 0.5) / n) * plotW;
  const yOf = (v) => PAD.top + plotH - (v / max) * plotH;
  for (const x of series) {
    let d = '';
    let open = false;
    x.values.forEach((v, i) => {
      if (v === null || v === undefined) {
        open = false;
        return;
      }
      d += `${open ? 'L' : 'M'}${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`;
      open = true;
    });
    if (d) svg.append(s('path', { class: `line ${x.cls}`, d }));
    x.values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      svg.append(s('circle', { class: `dot ${x.cls}`, cx: xOf(i), cy: yOf(v), r: 2.2 }, s('title', null, `${hhmm(labels[i])}  ${x.name} ${format(v)}`)));
    });
  }
  if (all.length === 0) svg.append(s('text', { class: 'nodata', x: PAD.left + plotW / 2, y: PAD.top + plotH / 2, 'text-anchor': 'middle' }, 'no runs ended'));
  return figure(title, series, svg, testid);
}

/** Milliseconds as a short axis label. */
export function msLabel(v) {
  if (v >= 60_000) return `${(v / 60_000).toFixed(v % 60_000 ? 1 : 0)} min`;
  if (v >= 1000) return `${(v / 1000).toFixed(v % 1000 ? 1 : 0)} s`;
  return `${Math.round(v)} ms`;
}
