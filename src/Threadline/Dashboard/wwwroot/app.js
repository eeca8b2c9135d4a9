// The dashboard's shell: routes location.pathname to a view, keeps links inside /dashboard on the
// page (History API), and reloads the current view when the server announces a change.
import { session, signOut } from './api.js';
import { startLive } from './live.js';
import { h, fill } from './ui.js';
import * as overview from './overview.js';
import * as threads from './threads.js';
import * as thread from './thread.js';
import * as runs from './runs.js';
import * as run from './run.js';
import * as webhooks from './webhooks.js';
import * as nodes from './nodes.js';

/** [pattern, view, section of the nav, names of the captured path segments] */
const ROUTES = [
  [/^\/dashboard\/?$/, overview, 'overview', []],
  [/^\/dashboard\/threads\/?$/, threads, 'threads', []],
  [/^\/dashboard\/threads\/([^/]+)\/?$/, thread, 'threads', ['threadId']],
  [/^\/dashboard\/runs\/?$/, runs, 'runs', []],
  [/^\/dashboard\/runs\/([^/]+)\/?$/, run, 'runs', ['runId']],
  [/^\/dashboard\/webhooks\/?$/, webhooks, 'webhooks', []],
  [/^\/dashboard\/nodes\/?$/, nodes, 'nodes', []],
];

const root = document.getElementById('view');
const noticeEl = document.getElementById('notice');
let current = null; // { reload, dispose } of the view on screen
let generation = 0;

function match(pathname) {
  for (const [pattern, view, section, names] of ROUTES) {
    const m = pattern.exec(pathname);
    if (m) {
      const params = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
      return { view, section, params };
    }
  }
  return null;
}

let noticeTimer = null;
/** Shows a short message at the top of the page: kind 'ok' | 'bad' | 'info'. */
export function notify(kind, text) {
  clearTimeout(noticeTimer);
  noticeEl.className = `notice ${kind}`;
  noticeEl.textContent = text;
  noticeEl.hidden = false;
  noticeTimer = setTimeout(() => {
    noticeEl.hidden = true;
  }, kind === 'bad' ? 8000 : 3000);
}

/** Goes to `url` (a path under /dashboard, with its query) without reloading the page. */
export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  route();
}

/** Replaces the query of the current URL (a view's filters), without rendering again. */
function setQuery(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  history.replaceState(null, '', location.pathname + (text ? `?${text}` : ''));
}

async function route() {
  const mine = ++generation;
  current?.dispose?.();
  current = null;
  const found = match(location.pathname);
  for (const a of document.querySelectorAll('nav a[data-section]')) {
    a.classList.toggle('active', found?.section === a.dataset.section);
    if (found?.section === a.dataset.section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  root.dataset.view = found ? found.section : 'none';
  if (!found) {
    document.title = 'Not found · Threadline';
    fill(root, h('header', { class: 'view-head' }, h('h1', null, 'Not found')), h('p', null, 'No such page in the dashboard.'));
    return;
  }
  const container = h('div', { class: 'view' });
  fill(root, container);
  const ctx = {
    params: found.params,
    query: new URLSearchParams(location.search),
    notify,
    navigate,
    setQuery,
    isCurrent: () => mine === generation,
  };
  try {
    const view = await found.view.render(container, ctx);
    if (mine !== generation) {
      view?.dispose?.();
      return;
    }
    current = view ?? null;
  } catch (e) {
    if (mine === generation) notify('bad', e.message);
  }
}

// Links inside the dashboard stay on the page; the sign-in page and other sites load as usual.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest?.('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !/^\/dashboard(\/|$)/.test(url.pathname) || url.pathname.startsWith('/dashboard/login')) return;
  e.preventDefault();
  if (url.pathname + url.search !== location.pathname + location.search) navigate(url.pathname + url.search);
});

window.addEventListener('popstate', route);

const liveEl = document.getElementById('live-state');
startLive(
  () => current?.reload?.(),
  (state) => {
    liveEl.dataset.state = state;
    liveEl.textContent = state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'offline';
  },
);

session()
  .then((s) => {
    const who = document.getElementById('session-info');
    fill(who,
      h('div', null, s.mode === 'open' ? 'open (no keys configured)' : 'signed in with an admin key'),
      h('div', { class: 'id', title: 'the node serving this page' }, s.node ?? ''),
      s.mode === 'open' ? null : h('button', { type: 'button', class: 'sign-out', testid: 'sign-out', onclick: () => signOut() }, 'Sign out'));
  })
  .catch(() => {});

route();
