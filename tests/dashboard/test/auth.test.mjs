// Access: the admin key signs in (a wrong key and an API key do not); without a session every page,
// read and action is refused; actions need the anti-forgery header; sessions are per browser context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack, signIn, ADMIN_KEY, API_KEY } from '../lib/harness.mjs';

const ctx = useStack();

const PAGES = ['/dashboard', '/dashboard/', '/dashboard/threads', '/dashboard/threads/thread_x', '/dashboard/runs', '/dashboard/runs/run_x', '/dashboard/webhooks', '/dashboard/nodes'];
const API_GETS = ['/session', '/overview', '/threads', '/threads/thread_x', '/threads/thread_x/messages', '/runs', '/runs/run_x', '/runs/run_x/events', '/events', '/webhooks', '/deliveries', '/nodes'];
const ACTIONS = ['/runs/run_x/cancel', '/deliveries/whd_x/replay', '/webhooks/we_x/disable', '/webhooks/we_x/enable'];

function assertNoStore(response, what) {
  assert.match(response.headers()['cache-control'] ?? '', /no-store/, `${what}: Cache-Control`);
}

async function assertRefused(response, status, what) {
  assert.equal(response.status(), status, `${what}: status`);
  assertNoStore(response, what);
  const body = await response.json();
  assert.equal(typeof body?.error?.message, 'string', `${what}: the OpenAI error envelope`);
  return body.error;
}

test('signing in: the admin key opens the dashboard; a wrong key is refused with a message', async () => {
  const page = await ctx.newPage();

  // Without a session the dashboard sends the browser to the sign-in form.
  await page.goto('/dashboard/runs');
  assert.equal(new URL(page.url()).pathname, '/dashboard/login');
  assert.equal(await page.getByTestId('login-error').count(), 0, 'no message before a try');

  // A wrong key: 401, the form again, with the server's message.
  await page.getByTestId('login-key').fill('not-the-admin-key');
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/dashboard/login') && r.request().method() === 'POST'),
    page.getByTestId('login-submit').click(),
  ]);
  assert.equal(refused.status(), 401);
  await page.getByTestId('login-error').waitFor();
  assert.match(await page.getByTestId('login-error').innerText(), /admin key/i);
  assert.equal(await page.context().cookies().then((c) => c.some((x) => x.name === 'threadline_dashboard')), false);

  // The admin key: the overview, with the session cookie as the contract says.
  await signIn(page);
  await page.getByTestId('count-queued').waitFor();
  const cookie = (await page.context().cookies()).find((c) => c.name === 'threadline_dashboard');
  assert.ok(cookie, 'the session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/dashboard');
  await page.getByTestId('session-info').filter({ hasText: 'admin key' }).waitFor();
  await page.locator('[data-testid="live-state"][data-state="live"]').waitFor();

  // Every view renders signed in, through the nav (no page load), without script errors.
  const marker = await page.evaluate(() => (window.__noReload = Math.random()));
  for (const [nav, view] of [['nav-threads', 'threads'], ['nav-runs', 'runs'], ['nav-webhooks', 'webhooks'], ['nav-nodes', 'nodes'], ['nav-overview', 'overview']]) {
    await page.getByTestId(nav).click();
    await page.locator(`[data-testid="view"][data-view="${view}"]`).waitFor();
  }
  assert.equal(await page.evaluate(() => window.__noReload), marker, 'the nav links do not reload the page');
  assert.deepEqual(page.errors, []);
});

test('an API key does not sign in, as a form key or as a bearer token', async () => {
  const http = await ctx.bareRequest();
  try {
    const form = await http.post('/dashboard/login', { form: { key: API_KEY } });
    assert.equal(form.status(), 401);
    assertNoStore(form, 'POST /dashboard/login');
    assert.match(await form.text(), /data-testid="login-error"/);
    assert.equal((await http.storageState()).cookies.some((c) => c.name === 'threadline_dashboard'), false);

    const bearer = await http.get('/dashboard/api/session', { headers: { Authorization: `Bearer ${API_KEY}` } });
    await assertRefused(bearer, 401, 'GET /session with an API key as bearer');
    const page = await http.get('/dashboard', { headers: { Authorization: `Bearer ${API_KEY}` } });
    assert.equal(page.status(), 302);
  } finally {
    await http.dispose();
  }

  // Through the browser's form as well.
  const page = await ctx.newPage();
  await page.goto('/dashboard/login');
  await page.getByTestId('login-key').fill(API_KEY);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').waitFor();
  assert.equal(new URL(page.url()).pathname, '/dashboard/login');
});

test('without a session every page, read and action is refused; actions need the anti-forgery header', async () => {
  const http = await ctx.bareRequest();
  try {
    for (const path of PAGES) {
      const r = await http.get(path);
      assertNoStore(r, `GET ${path}`);
      assert.ok(r.status() === 302 || r.status() === 404, `GET ${path}: ${r.status()}`);
      if (r.status() === 302) assert.equal(new URL(r.headers().location, ctx.origin).pathname, '/dashboard/login', `GET ${path}: Location`);
      assert.doesNotMatch(await r.text(), /thread_|run_/, `GET ${path} shows no data`);
    }
    for (const path of API_GETS) await assertRefused(await http.get(`/dashboard/api${path}`), 401, `GET /dashboard/api${path}`);
    for (const path of ACTIONS) await assertRefused(await http.post(`/dashboard/api${path}`), 401, `POST /dashboard/api${path}`);
    await assertRefused(await http.post('/dashboard/api/runs/run_x/cancel', { headers: { 'X-Threadline-Csrf': 'made-up' } }), 401, 'POST with a made-up token and no session');

    // The sign-in form and the assets are served to anyone, never cached.
    const login = await http.get('/dashboard/login');
    assert.equal(login.status(), 200);
    assertNoStore(login, 'GET /dashboard/login');
    for (const asset of ['app.js', 'api.js', 'style.css']) {
      const r = await http.get(`/dashboard/assets/${asset}`);
      assert.equal(r.status(), 200, asset);
      assertNoStore(r, asset);
    }

    // Signed in (the same request context keeps the cookies), without a valid token an action is 400.
    const signedIn = await http.post('/dashboard/login', { form: { key: ADMIN_KEY } });
    assert.equal(signedIn.status(), 303);
    assert.equal(new URL(signedIn.headers().location, ctx.origin).pathname, '/dashboard');
    const session = await http.get('/dashboard/api/session');
    assert.equal(session.status(), 200);
    assertNoStore(session, 'GET /session');
    assert.match(session.headers()['server-timing'] ?? '', /^app;dur=/);
    const { csrf_token: token, signed_in: yes, mode } = await session.json();
    assert.equal(yes, true);
    assert.equal(mode, 'key');
    assert.ok(token);
    for (const path of ACTIONS) {
      const none = await assertRefused(await http.post(`/dashboard/api${path}`), 400, `POST ${path} without the header`);
      assert.equal(none.code, 'invalid_csrf_token');
      const bad = await assertRefused(await http.post(`/dashboard/api${path}`, { headers: { 'X-Threadline-Csrf': `${token}x` } }), 400, `POST ${path} with a bad token`);
      assert.equal(bad.code, 'invalid_csrf_token');
    }
    // With the token the action goes through to the target (which does not exist here).
    const real = await http.post('/dashboard/api/runs/run_x/cancel', { headers: { 'X-Threadline-Csrf': token } });
    assert.equal(real.status(), 404);
    for (const path of ['/overview', '/runs', '/threads', '/webhooks', '/deliveries', '/nodes']) {
      const r = await http.get(`/dashboard/api${path}`);
      assert.equal(r.status(), 200, path);
      assertNoStore(r, path);
    }
    const shell = await http.get('/dashboard/runs');
    assert.equal(shell.status(), 200);
    assertNoStore(shell, 'GET /dashboard/runs signed in');
  } finally {
    await http.dispose();
  }
});

test('a session is not shared with another browser context', async () => {
  const first = await ctx.signedInPage();
  await first.getByTestId('count-queued').waitFor();

  const other = await ctx.newPage();
  await other.goto('/dashboard');
  assert.equal(new URL(other.url()).pathname, '/dashboard/login');
  const api = await other.request.get('/dashboard/api/overview');
  assert.equal(api.status(), 401);

  // Signing out ends the first one's session.
  await first.getByTestId('sign-out').click();
  await first.waitForURL((u) => u.pathname === '/dashboard/login');
  const after = await first.request.get('/dashboard/api/overview');
  assert.equal(after.status(), 401);
});
