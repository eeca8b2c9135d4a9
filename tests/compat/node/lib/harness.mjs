// Test harness shared by every file: the Threadline server to talk to (run.sh's shared one, else one per file; with
// PRISM=1 behind Prism's validating proxy), an SDK client whose fetch records what the spec checks found, and a
// `test` wrapper that fails a test on any violation seen during it, with Prism's exact message.
import { test as nodeTest, before, after } from 'node:test';
import { startThreadline, viaPrism } from './server.mjs';
import { createClient, sdkVersion, packageName } from './sdk.mjs';
import { validateEvent, validateSchema } from './spec.mjs';
import { validateResponsesSchema } from './responses-spec.mjs';

export { viaPrism };

/** Prism's warning for a status code the spec does not list: the spec declares only 200 (and 429) per operation. */
const UNDECLARED_STATUS = 'Unable to match the returned status code with those defined in the document';

class Recorder {
  /** Violations: each fails the current test. */
  problems = [];
  /** Expected Prism warnings (undeclared error statuses): printed as TAP diagnostics. */
  notes = [];
  /** Event-stream checks still reading. */
  pending = [];
  /** The event names of each stream seen, in order. */
  streams = [];

  reset() {
    this.problems = [];
    this.notes = [];
    this.pending = [];
    this.streams = [];
  }

  /** A fetch that passes everything through unchanged and inspects each response on the side. */
  fetch = async (url, init) => {
    const started = Date.now();
    const response = await fetch(url, init);
    const method = (init?.method ?? 'GET').toUpperCase();
    const where = `${method} ${new URL(String(url)).pathname} -> ${response.status}`;
    if (process.env.DEBUG_HTTP) process.stderr.write(`[http] ${where} in ${Date.now() - started} ms\n`);
    const header = response.headers.get('sl-violations');
    if (header) {
      let list;
      try {
        list = JSON.parse(header);
      } catch {
        list = [{ severity: 'Error', location: [], message: header }];
      }
      for (const v of list) {
        const text = `Prism ${v.severity} at ${where}: [${(v.location ?? []).join('.')}] ${v.message}`;
        if (v.severity !== 'Error' && response.status >= 400 && v.message.startsWith(UNDECLARED_STATUS)) this.notes.push(text);
        else this.problems.push(text);
      }
    }
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('application/problem+json')) {
      // Prism answered itself: 422 invalid request, 500 VIOLATIONS (--errors), 404/405 no such operation.
      // (Threadline never answers problem+json: its errors have the hosted {"error": {...}} shape.)
      const body = await response.clone().text();
      this.problems.push(`${viaPrism ? 'Prism answered' : 'problem+json answer to'} ${where}: ${body}`);
    } else if (response.status >= 400 && type.startsWith('application/json')) {
      const body = await response.clone().json().catch(() => undefined);
      for (const v of validateSchema('ErrorResponse', body)) this.problems.push(`error body of ${where}: ${v}`);
    } else if (type.startsWith('text/event-stream')) {
      this.pending.push(checkEventStream(where, response.clone()).then((list) => this.problems.push(...list)));
    }
    return response;
  };

  async settle(timeoutMs = 10_000) {
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => {
        this.problems.push(`an event stream did not end within ${timeoutMs} ms`);
        resolve();
      }, timeoutMs);
    });
    await Promise.race([Promise.all(this.pending), timeout]);
    clearTimeout(timer);
  }
}

/** Parses the raw SSE wire text and checks every frame against the spec's event schemas (the Responses spec's for /v1/responses). */
async function checkEventStream(where, response) {
  let text;
  try {
    text = await response.text();
  } catch (e) {
    if (e?.name === 'AbortError') return []; // the client hung up on purpose: nothing complete to check
    return [`SSE ${where}: reading the stream failed: ${e}`];
  }
  const problems = [];
  const frames = text.split(/\r?\n\r?\n/).filter((f) => f.trim() !== '');
  const names = [];
  for (const frame of frames) {
    let event;
    const data = [];
    for (const line of frame.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (!event) {
      problems.push(`SSE ${where}: a frame has no "event:" line: ${frame.slice(0, 200)}`);
      continue;
    }
    names.push(event);
    const raw = data.join('\n');
    let parsed = raw;
    if (event !== 'done') {
      try {
        parsed = JSON.parse(raw);
      } catch {
        problems.push(`SSE ${where}: data of "${event}" is not JSON: ${raw.slice(0, 200)}`);
        continue;
      }
    }
    // A Responses API stream: each event against ResponseStreamEvent, named by its `type`.
    const responses = / \/v1\/responses\b/.test(where) && event !== 'done';
    if (responses && parsed?.type !== event) problems.push(`SSE ${where}: event "${event}" carries type "${parsed?.type}"`);
    const violations = responses ? validateResponsesSchema('ResponseStreamEvent', parsed) : validateEvent(event, parsed);
    for (const v of violations) problems.push(`SSE ${where}: ${v}`);
  }
  if (names.at(-1) !== 'done') problems.push(`SSE ${where}: the stream does not end with "done" (events: ${names.join(', ')})`);
  recorder.streams.push({ where, events: names });
  return problems;
}

export const recorder = new Recorder();

/**
 * The server for this test file: run.sh's shared one (THREADLINE_URL, THREADLINE_DIRECT_URL), or its own when it
 * needs other configuration (`args`) or runs alone. With PRISM=1 the client goes through Prism.
 * @param {{ args?: Record<string,string>, directOnly?: string }} options
 *   directOnly: the reason this file can't go through Prism (its tests are skipped under PRISM=1).
 */
export function useServer({ args, directOnly } = {}) {
  const ctx = { api: undefined, client: undefined, server: undefined, directOnly: viaPrism ? directOnly : undefined };
  before(async () => {
    const shared = process.env.THREADLINE_URL && process.env.THREADLINE_DIRECT_URL;
    if (shared && !args) {
      // The run's shared stack (run.sh): through Prism unless this file can't be.
      const baseURL = directOnly ? process.env.THREADLINE_DIRECT_URL : process.env.THREADLINE_URL;
      ctx.server = { baseURL, directURL: process.env.THREADLINE_DIRECT_URL, stop: async () => {} };
    } else {
      ctx.server = await startThreadline({ args, prism: viaPrism && !directOnly });
    }
    ({ client: ctx.client, api: ctx.api } = createClient(ctx.server.baseURL, recorder.fetch));
  });
  after(async () => {
    await ctx.server?.stop();
  });
  /**
   * A test that fails on any spec violation observed while it ran.
   * directOnly: the reason this test can't go through Prism (e.g. it sends an invalid request on purpose).
   * skip: the reason this test does not apply (e.g. the SDK version under test lacks the resource).
   * todo: the known server bug this test shows (it runs; its failure is reported but does not fail the run).
   */
  ctx.test = (name, fn, { timeout = 30_000, directOnly, skip, todo } = {}) => {
    const reason = skip || (ctx.directOnly ?? (viaPrism ? directOnly : undefined));
    return nodeTest(name, { timeout, skip: reason ? `not through Prism: ${reason}` : false, todo }, async (t) => {
      recorder.reset();
      let failure;
      try {
        await fn(t);
      } catch (e) {
        failure = e;
      }
      await recorder.settle();
      for (const n of recorder.notes) t.diagnostic(n);
      if (recorder.problems.length) {
        const msg = `${recorder.problems.length} spec violation(s) [${packageName} ${sdkVersion}${viaPrism ? ', via Prism' : ''}]:\n  ${recorder.problems.join('\n  ')}`;
        throw new Error(failure ? `${msg}\nand the test failed: ${failure.stack ?? failure}` : msg);
      }
      if (failure) throw failure;
    });
  };
  return ctx;
}

/** Polls `probe` until it returns a truthy value; fails after `timeoutMs`. */
export async function waitFor(probe, { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Collects every item of an SDK auto-paginating list (`for await`, which fetches page after page). */
export async function collect(pagePromise) {
  const items = [];
  for await (const item of pagePromise) items.push(item);
  return items;
}

/** Walks an SDK list page by page (`iterPages()`): the number of pages and the ids in order. */
export async function countPages(pagePromise) {
  let pages = 0;
  const ids = [];
  const first = await pagePromise;
  for await (const page of first.iterPages()) {
    pages++;
    ids.push(...page.data.map((x) => x.id));
  }
  return { pages, ids };
}
