// What every test file shares: a real server, Debian's chromium through playwright-core, the official
// openai SDK acting as the user's application, and polling helpers (no fixed sleeps).
import { before, after } from 'node:test';
import OpenAI from 'openai';
import { chromium, request } from 'playwright-core';
import { startThreadline, API_KEY, ADMIN_KEY } from './server.mjs';

export { API_KEY, ADMIN_KEY };

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless chromium (the Debian package: playwright-core downloads no browser). */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/**
 * One server and one browser for a test file. ctx.origin, ctx.client (openai SDK with the API key),
 * ctx.browser, ctx.server; ctx.newPage() opens a page in a fresh context (cookies of its own), with
 * the page's errors collected in page.errors.
 */
export function useStack({ args } = {}) {
  const ctx = {};
  const contexts = [];
  before(async () => {
    [ctx.server, ctx.browser] = await Promise.all([startThreadline({ args }), launchBrowser()]);
    ctx.origin = ctx.server.origin;
    ctx.client = new OpenAI({ apiKey: API_KEY, baseURL: ctx.server.baseURL, maxRetries: 0, timeout: 20_000 });
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  ctx.newContext = async () => {
    const context = await ctx.browser.newContext({ baseURL: ctx.origin, viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(15_000);
    contexts.push(context);
    return context;
  };
  ctx.newPage = async (context) => {
    const page = await (context ?? (await ctx.newContext())).newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(String(e)));
    return page;
  };
  /** A page signed in with the admin key through the sign-in form. */
  ctx.signedInPage = async () => {
    const page = await ctx.newPage();
    await signIn(page);
    return page;
  };
  /** An HTTP client with no cookies that follows no redirects. */
  ctx.bareRequest = () => request.newContext({ baseURL: ctx.origin, maxRedirects: 0 });
  /** POST /v1/... with the API key (endpoints the SDK has no resource for). */
  ctx.v1 = async (method, path, body) => {
    const response = await fetch(`${ctx.server.baseURL}${path}`, {
      method,
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json().catch(() => null);
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return ctx;
}

/** Signs in through the form at /dashboard/login and waits for the overview. */
export async function signIn(page, key = ADMIN_KEY) {
  await page.goto('/dashboard/login');
  await page.getByTestId('login-key').fill(key);
  await Promise.all([page.waitForURL((u) => u.pathname === '/dashboard' || u.pathname === '/dashboard/'), page.getByTestId('login-submit').click()]);
  await page.locator('[data-testid="view"][data-view="overview"]').waitFor();
}

/** Polls `probe` until it returns a truthy value; fails after `timeoutMs` with the last value seen. */
export async function waitFor(probe, { timeoutMs = 15_000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
    } catch (e) {
      last = e;
    }
    if (last && !(last instanceof Error)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Waits until the element with `testid` (within `scope`) reads exactly `text`. */
export async function waitForText(scope, testid, text, timeout = 15_000) {
  await scope.getByTestId(testid).filter({ hasText: new RegExp(`^\\s*${text}\\s*$`) }).first().waitFor({ timeout });
}

/** The run, through the API, once `done(run)` is true. */
export function waitForRun(client, threadId, runId, done, what) {
  return waitFor(async () => {
    const run = await client.beta.threads.runs.retrieve(runId, { thread_id: threadId });
    return done(run) && run;
  }, { what: what ?? `run ${runId}` });
}

export const unique = (prefix) => `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
