// Webhooks: a delivery that failed (the receiver answered 500 on every try) is replayed from the page
// once the receiver is back, and succeeds; an endpoint is disabled and enabled again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { useStack, waitFor, waitForText } from '../lib/harness.mjs';
import { startReceiver } from '../lib/receiver.mjs';

const ctx = useStack();
let receiver;
after(() => receiver?.close());

test('replays a failed delivery from the page, and it succeeds', async () => {
  receiver = await startReceiver({ status: 500 });
  const endpoint = await ctx.v1('POST', '/webhook_endpoints', { url: receiver.url, events: ['thread.run.completed'], description: 'support bot' });
  const assistant = await ctx.client.beta.assistants.create({ model: 'echo' });
  const run = await ctx.client.beta.threads.createAndRun({ assistant_id: assistant.id, thread: { messages: [{ role: 'user', content: 'deliver me' }] } });

  const page = await ctx.signedInPage();
  await page.getByTestId('nav-webhooks').click();
  await page.locator(`[data-testid="endpoint-row"][data-endpoint-id="${endpoint.id}"]`).waitFor();

  // The run completes, its event is tried (500), tried again (500) and given up: the page shows it
  // failed without a reload.
  const row = page.locator(`[data-testid="delivery-row"][data-endpoint-id="${endpoint.id}"]`).filter({ hasText: run.thread_id });
  await waitForText(row, 'delivery-status', 'failed', 30_000);
  const deliveryId = await row.getAttribute('data-delivery-id');
  const failedTries = receiver.requests.length;
  assert.ok(failedTries >= 2, `tried more than once before failing (${failedTries})`);
  assert.ok(receiver.requests.every((r) => r.answered === 500));
  assert.match(await row.getByTestId('delivery-last').innerText(), /500/);

  // The receiver is back; the operator replays it.
  receiver.status = 200;
  const dialogs = [];
  page.once('dialog', (d) => {
    dialogs.push(d.message());
    d.accept();
  });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith(`/dashboard/api/deliveries/${deliveryId}/replay`)),
    row.getByTestId('replay-delivery').click(),
  ]);
  assert.equal(response.status(), 200);
  assert.ok(dialogs[0]?.includes(deliveryId), `the confirmation names the delivery: ${dialogs[0]}`);
  await waitForText(page.locator(`[data-testid="delivery-row"][data-delivery-id="${deliveryId}"]`), 'delivery-status', 'succeeded');

  // The receiver got it, the same event (same webhook-id) as the failed tries.
  const delivered = receiver.requests.filter((r) => r.answered === 200);
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0].id, receiver.requests[0].id, 'the same webhook-id as before');
  assert.equal(delivered[0].body?.type, 'thread.run.completed');
  assert.equal(delivered[0].body?.data?.run?.id, run.id);

  // The deliveries filter shows it among the succeeded ones.
  await page.getByTestId('deliveries-status-filter').selectOption('succeeded');
  await page.locator(`[data-testid="delivery-row"][data-delivery-id="${deliveryId}"]`).waitFor();
  assert.equal(await page.locator('[data-testid="delivery-row"][data-status="failed"]').count(), 0);
  assert.equal(new URL(page.url()).searchParams.get('status'), 'succeeded');
  assert.deepEqual(page.errors, []);
});

test('disables and enables an endpoint from the page, after a confirmation', async () => {
  receiver ??= await startReceiver();
  const endpoint = await ctx.v1('POST', '/webhook_endpoints', { url: `${receiver.url}?toggle`, events: ['thread.run.failed'] });
  const page = await ctx.signedInPage();
  await page.goto('/dashboard/webhooks');
  const row = page.locator(`[data-testid="endpoint-row"][data-endpoint-id="${endpoint.id}"]`);
  await waitForText(row, 'endpoint-state', 'enabled');

  page.once('dialog', (d) => d.accept());
  await row.getByTestId('endpoint-toggle').click();
  await waitForText(row, 'endpoint-state', 'disabled');
  assert.equal((await ctx.v1('GET', `/webhook_endpoints/${endpoint.id}`)).enabled, false);

  page.once('dialog', (d) => d.accept());
  await row.getByTestId('endpoint-toggle').click();
  await waitForText(row, 'endpoint-state', 'enabled');
  assert.equal((await ctx.v1('GET', `/webhook_endpoints/${endpoint.id}`)).enabled, true);
  assert.deepEqual(page.errors, []);
});
