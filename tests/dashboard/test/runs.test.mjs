// Runs, live: a debounced run goes from queued to completed on its page without a reload, and an
// operator cancels a running one through the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack, waitFor, waitForText, waitForRun } from '../lib/harness.mjs';

const ctx = useStack();

test('a debounced run goes from queued to completed live, without a reload', async () => {
  const assistant = await ctx.client.beta.assistants.create({ model: 'echo' });
  const thread = await ctx.client.beta.threads.create({ messages: [{ role: 'user', content: 'hello, debounced' }] });
  const page = await ctx.signedInPage();

  const run = await ctx.client.beta.threads.runs.create(thread.id, { assistant_id: assistant.id, debounce_ms: 4000 });
  assert.equal(run.status, 'queued');
  await page.goto(`/dashboard/runs/${run.id}`);
  await waitForText(page, 'run-status', 'queued');
  const marker = await page.evaluate(() => (window.__noReload = Math.random()));
  const navigations = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url());
  });

  await waitForText(page, 'run-status', 'completed', 20_000);
  // It was a debounced run, and it completed on its own: the API says so too.
  const done = await ctx.client.beta.threads.runs.retrieve(run.id, { thread_id: thread.id });
  assert.equal(done.status, 'completed');
  assert.equal(await page.evaluate(() => window.__noReload), marker, 'the page was not reloaded');
  assert.deepEqual(navigations, [], 'no navigation');
  // The timeline and the live events of the run page.
  await page.locator('[data-testid="timeline-row"][data-label="completed"]').waitFor();
  await page.locator('[data-testid="timeline-row"][data-label="started"]').waitFor();
  await page.locator('[data-testid="timeline-row"][data-label="eligible"]').waitFor(); // the quiet period's end
  await page.locator('[data-testid="run-event"][data-event="status"]').first().waitFor();
  await page.locator('[data-testid="run-event"][data-event="done"]').waitFor();
  assert.match(await page.getByTestId('live-text').innerText(), /hello, debounced/);
  assert.match(await page.locator('[data-testid="timeline-row"][data-label="started"] td').nth(1).innerText(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/, 'local time with milliseconds');
  assert.deepEqual(page.errors, []);
});

test('cancels a running run through the page, after a confirmation', async () => {
  // echo:<ms> takes that long: the run stays in progress while the operator acts.
  const assistant = await ctx.client.beta.assistants.create({ model: 'echo:60000' });
  const run = await ctx.client.beta.threads.createAndRun({ assistant_id: assistant.id, thread: { messages: [{ role: 'user', content: 'take your time' }] } });
  await waitForRun(ctx.client, run.thread_id, run.id, (r) => r.status === 'in_progress', 'the run to start');

  const page = await ctx.signedInPage();
  await page.goto(`/dashboard/runs/${run.id}`);
  await waitForText(page, 'run-status', 'in_progress');
  const cancels = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith(`/dashboard/api/runs/${run.id}/cancel`)) cancels.push(r.headers()['x-threadline-csrf']);
  });

  // Saying no to the confirmation does nothing.
  page.once('dialog', (d) => d.dismiss());
  await page.getByTestId('cancel-run').click();
  await waitFor(() => page.getByTestId('cancel-run').isEnabled(), { what: 'the button back' });
  assert.equal(cancels.length, 0, 'no request when the operator says no');
  assert.equal((await ctx.client.beta.threads.runs.retrieve(run.id, { thread_id: run.thread_id })).status, 'in_progress');

  // Saying yes cancels it.
  const dialogs = [];
  page.once('dialog', (d) => {
    dialogs.push({ type: d.type(), message: d.message() });
    d.accept();
  });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/dashboard/api/runs/${run.id}/cancel`)),
    page.getByTestId('cancel-run').click(),
  ]);
  assert.equal(dialogs.length, 1);
  assert.equal(dialogs[0].type, 'confirm');
  assert.ok(dialogs[0].message.includes(run.id), dialogs[0].message);
  assert.equal(response.status(), 200);
  assert.ok(cancels[0], 'the action carried the anti-forgery token');
  assert.ok(['cancelling', 'cancelled'].includes((await response.json()).status));

  // The API reports it cancelling, then cancelled; the page shows the end without a reload.
  const seen = new Set();
  await waitForRun(ctx.client, run.thread_id, run.id, (r) => {
    seen.add(r.status);
    return r.status === 'cancelled';
  }, 'the run to be cancelled');
  assert.ok([...seen].every((s) => s === 'cancelling' || s === 'cancelled'), `statuses seen: ${[...seen]}`);
  await waitForText(page, 'run-status', 'cancelled');
  assert.equal(await page.getByTestId('cancel-run').isHidden(), true, 'no cancel button on an ended run');
  assert.deepEqual(page.errors, []);
});
