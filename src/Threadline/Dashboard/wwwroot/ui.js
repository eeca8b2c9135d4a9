// DOM building and formatting shared by the views. Every piece of data reaches the page as text
// (textContent, attribute values), never as markup.

/**
 * h('a', { href: '/x', class: 'id', dataset: { testid: 'row' }, onclick: fn }, 'text', child, [more])
 * Attributes: `class`, `dataset` (object), `on<event>` (function), `style` (string), anything else
 * by setAttribute; null/undefined/false attributes are left out. Children: strings (as text
 * nodes), nodes, arrays, null/undefined/false (skipped).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Like h(), for SVG elements. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'testid') el.setAttribute('data-testid', v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Local date and time of unix milliseconds, `YYYY-MM-DD HH:MM:SS` (with `.mmm` when ms is true). */
export function time(msValue, { ms = false } = {}) {
  if (msValue === null || msValue === undefined) return '—';
  const d = new Date(msValue);
  const text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return ms ? `${text}.${pad(d.getMilliseconds(), 3)}` : text;
}

/**
 * A compact local time for tables: `HH:MM:SS` today, else `MM-DD HH:MM`; the full time in its title.
 */
export function when(msValue) {
  if (msValue === null || msValue === undefined) return h('span', { class: 'muted' }, '—');
  const d = new Date(msValue);
  const today = new Date();
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  const text = sameDay
    ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
    : `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return h('time', { class: 'nowrap', datetime: d.toISOString(), title: time(msValue, { ms: true }) }, text);
}

/** The same for unix seconds (the OpenAI objects' `created_at`). */
export const timeSec = (sec) => (sec === null || sec === undefined ? '—' : time(sec * 1000));

/** A duration in ms as `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 10 min`. */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  const a = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(a < 10_000 ? 2 : 1)} s`;
  if (a < 3_600_000) return `${sign}${Math.floor(a / 60_000)} min ${pad(Math.floor((a % 60_000) / 1000))} s`;
  return `${sign}${Math.floor(a / 3_600_000)} h ${pad(Math.floor((a % 3_600_000) / 60_000))} min`;
}

/** `in 3.2 s` / `5 min 02 s ago` relative to now. */
export function relative(msValue, now = Date.now()) {
  if (msValue === null || msValue === undefined) return '';
  const d = msValue - now;
  return d >= 0 ? `in ${duration(d)}` : `${duration(-d)} ago`;
}

const STATUS_CLASS = {
  queued: 'wait',
  pending: 'wait',
  in_progress: 'busy',
  requires_action: 'warn',
  cancelling: 'warn',
  incomplete: 'warn',
  completed: 'ok',
  succeeded: 'ok',
  enabled: 'ok',
  failed: 'bad',
  expired: 'mute',
  cancelled: 'mute',
  disabled: 'bad',
};

/** A coloured status badge. */
export function badge(status, testid) {
  const text = status ?? '—';
  return h('span', { class: `badge ${STATUS_CLASS[text] ?? 'mute'}`, testid, dataset: { status: text } }, text);
}

/** A monospace id, a link when `href` is given. */
export function id(value, href, testid) {
  if (value === null || value === undefined || value === '') return h('span', { class: 'muted' }, '—');
  return href ? h('a', { class: 'id', href, testid }, value) : h('span', { class: 'id', testid }, value);
}

export const runHref = (runId) => `/dashboard/runs/${encodeURIComponent(runId)}`;
export const threadHref = (threadId) => `/dashboard/threads/${encodeURIComponent(threadId)}`;

/** A table with a header row; returns { table, body }. `columns` are header texts. */
export function table(columns, testid) {
  const body = h('tbody');
  const table = h('table', { class: 'grid', testid }, h('thead', null, h('tr', null, columns.map((c) => h('th', null, c)))), body);
  return { table, body };
}

/** A row spanning every column, for "nothing here" and errors. */
export function emptyRow(columns, text, cls = 'muted') {
  return h('tr', { class: 'empty' }, h('td', { colspan: columns, class: cls }, text));
}

/** A definition list from [label, value] pairs (values: text or nodes). */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '—')]));
}

/** A short error box. */
export function errorBox(error) {
  return h('div', { class: 'error-box', role: 'alert', testid: 'error' }, error?.message ?? String(error));
}

/** Metadata `{k: v}` as `k=v` chips. */
export function metadataChips(metadata) {
  const entries = Object.entries(metadata ?? {});
  if (entries.length === 0) return h('span', { class: 'muted' }, '—');
  return h('span', { class: 'chips' }, entries.map(([k, v]) => h('span', { class: 'chip' }, `${k}=${v}`)));
}

/** The page's title line: heading text and optional trailing nodes (buttons). */
export function header(title, ...extra) {
  document.title = `${title} · Threadline`;
  return h('header', { class: 'view-head' }, h('h1', null, title), h('div', { class: 'view-tools' }, extra));
}

/**
 * A table filled page by page from a list endpoint ({ data, next_before }), newest first.
 * fetchPage({ before, limit }) → Promise of the page; row(item) → <tr>.
 * Returns { element, reload }: reload fetches the first page again, as many rows as are shown
 * (up to 100), so a live update keeps what the operator had opened; a stale answer is dropped.
 */
export function pagedTable({ columns, testid, fetchPage, row, empty = 'Nothing here.' }) {
  const { table: grid, body } = table(columns, testid);
  const more = h('button', { type: 'button', class: 'more', testid: 'load-more', hidden: true }, 'Load more');
  const status = h('div', { class: 'list-status' });
  let next = null;
  let shown = 0;
  let token = 0;

  const reload = async () => {
    const mine = ++token;
    let page;
    try {
      page = await fetchPage({ limit: Math.min(100, Math.max(50, shown)) });
    } catch (e) {
      if (mine === token) fill(status, errorBox(e));
      return;
    }
    if (mine !== token) return;
    fill(status);
    const rows = (page.data ?? []).map(row);
    fill(body, rows.length ? rows : emptyRow(columns.length, typeof empty === 'function' ? empty() : empty));
    shown = rows.length;
    next = page.next_before ?? null;
    more.hidden = next === null;
  };

  more.addEventListener('click', async () => {
    if (next === null) return;
    const mine = ++token;
    more.disabled = true;
    try {
      const page = await fetchPage({ before: next, limit: 50 });
      if (mine !== token) return;
      append(body, (page.data ?? []).map(row));
      shown += (page.data ?? []).length;
      next = page.next_before ?? null;
      more.hidden = next === null;
    } catch (e) {
      fill(status, errorBox(e));
    } finally {
      more.disabled = false;
    }
  });

  return { element: h('div', { class: 'list' }, h('div', { class: 'table-wrap' }, grid), status, more), reload };
}
