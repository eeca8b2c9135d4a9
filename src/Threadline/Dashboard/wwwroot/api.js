// The dashboard's JSON API (/dashboard/api), same-origin with the session cookie. A 401 sends the
// browser to the sign-in page; actions carry the anti-forgery token of GET /session.

const BASE = '/dashboard/api';
export const LOGIN = '/dashboard/login';

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function toLogin() {
  if (location.pathname !== LOGIN) location.assign(LOGIN);
}

/** A query string from an object, leaving out empty values. */
export function query(params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

async function send(method, path, { params, headers } = {}) {
  const response = await fetch(BASE + path + query(params), {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json', ...headers },
  });
  if (response.status === 401) {
    toLogin();
    throw new ApiError(401, 'Signed out: sign in again.', 'unauthorized');
  }
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const error = body?.error;
    throw new ApiError(response.status, error?.message ?? `${method} ${path}: HTTP ${response.status}`, error?.code);
  }
  return body;
}

/** GET a JSON document. */
export const get = (path, params) => send('GET', path, { params });

let sessionPromise = null;

/** GET /session, once per page load (again after `refresh`). */
export function session({ refresh = false } = {}) {
  if (refresh || !sessionPromise) {
    sessionPromise = get('/session').catch((e) => {
      sessionPromise = null;
      throw e;
    });
  }
  return sessionPromise;
}

/** POST an action with the anti-forgery token; a stale token is fetched again once. */
export async function action(path) {
  const post = async (refresh) => {
    const { csrf_token: token } = await session({ refresh });
    return send('POST', path, { headers: { 'X-Threadline-Csrf': token } });
  };
  try {
    return await post(false);
  } catch (e) {
    if (e instanceof ApiError && e.status === 400 && e.code === 'invalid_csrf_token') return post(true);
    throw e;
  }
}

/** Ends the session (POST /dashboard/logout with the token) and goes to the sign-in page. */
export async function signOut() {
  const { csrf_token: token } = await session({ refresh: true });
  await fetch('/dashboard/logout', { method: 'POST', credentials: 'same-origin', headers: { 'X-Threadline-Csrf': token }, redirect: 'manual' });
  location.assign(LOGIN);
}

const seg = encodeURIComponent;

export const api = {
  overview: () => get('/overview'),
  threads: (params) => get('/threads', params),
  thread: (threadId) => get(`/threads/${seg(threadId)}`),
  messages: (threadId, params) => get(`/threads/${seg(threadId)}/messages`, params),
  runs: (params) => get('/runs', params),
  run: (runId) => get(`/runs/${seg(runId)}`),
  webhooks: () => get('/webhooks'),
  deliveries: (params) => get('/deliveries', params),
  nodes: () => get('/nodes'),
  cancelRun: (runId) => action(`/runs/${seg(runId)}/cancel`),
  replayDelivery: (deliveryId) => action(`/deliveries/${seg(deliveryId)}/replay`),
  disableEndpoint: (endpointId) => action(`/webhooks/${seg(endpointId)}/disable`),
  enableEndpoint: (endpointId) => action(`/webhooks/${seg(endpointId)}/enable`),
  runEventsUrl: (runId) => `${BASE}/runs/${seg(runId)}/events`,
  eventsUrl: () => `${BASE}/events`,
};

/**
 * Asks the operator, then runs `fn` (an action); reports the outcome through `notify`.
 * Returns the action's result, or undefined when the operator said no or it failed.
 */
export async function confirmed(question, fn, notify) {
  if (!window.confirm(question)) return undefined;
  try {
    const result = await fn();
    notify?.('ok', 'Done.');
    return result;
  } catch (e) {
    notify?.('bad', e.message);
    return undefined;
  }
}
