// Screenshots of every dashboard view for docs/dashboard/ (run by hand, not in CI):
//   node tests/dashboard/screenshots.mjs        (the server built in Release; CONFIGURATION to change)
// Starts a server, makes realistic data through the API (threads with external ids after chat bursts,
// runs completed, queued, in progress and failed, webhook endpoints with failing and succeeded
// deliveries), and saves 1280x800 PNGs.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { startThreadline, repoRoot, API_KEY } from './lib/server.mjs';
import { launchBrowser, signIn, waitFor } from './lib/harness.mjs';
import { startReceiver } from './lib/receiver.mjs';

const outDir = path.join(repoRoot, 'docs/dashboard');
mkdirSync(outDir, { recursive: true });

const server = await startThreadline();
const failing = await startReceiver({ status: 500 });
const healthy = await startReceiver({ status: 200 });
const browser = await launchBrowser();
const client = new OpenAI({ apiKey: API_KEY, baseURL: server.baseURL, maxRetries: 0 });
const v1 = async (method, p, body) => {
  const r = await fetch(server.baseURL + p, { method, headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
  const json = await r.json();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
  return json;
};
const runs = client.beta.threads.runs;
const settle = (threadId, runId) => waitFor(async () => {
  const r = await runs.retrieve(runId, { thread_id: threadId });
  return !['queued', 'in_progress', 'cancelling'].includes(r.status) && r;
}, { timeoutMs: 30_000, what: `run ${runId} to end` });

try {
  await v1('POST', '/webhook_endpoints', { url: healthy.url, events: ['thread.run.completed'], description: 'support bot (WhatsApp bridge)' });
  await v1('POST', '/webhook_endpoints', { url: failing.url, events: ['thread.run.completed', 'thread.run.failed'], description: 'CRM sync (down)' });

  const support = await client.beta.assistants.create({ model: 'echo:400', name: 'Support bot' });
  const slow = await client.beta.assistants.create({ model: 'echo:300000', name: 'Report writer' });

  // Chat bursts: each message a find-or-create + debounced run, as a channel's webhooks arrive.
  const users = [
    ['whatsapp:+15551234567', ['Hi', 'I have a problem', 'my order is missing', 'it was order #4711']],
    ['telegram:884422019', ['hello', 'can I change my delivery address?']],
    ['web:session-7f3a9c', ['Where is my refund?']],
    ['whatsapp:+4915112345678', ['Guten Tag', 'wann kommt mein Paket?']],
  ];
  const threadIds = {};
  for (const [externalId, texts] of users) {
    const made = await Promise.all(texts.map((content) => client.beta.threads.createAndRun({
      assistant_id: support.id,
      thread: { external_id: externalId, messages: [{ role: 'user', content }], metadata: { channel: externalId.split(':')[0] } },
      debounce_ms: 300,
    })));
    threadIds[externalId] = made[0].thread_id;
    await settle(made[0].thread_id, made[0].id);
  }
  // A follow-up on the first thread, completed.
  const first = threadIds['whatsapp:+15551234567'];
  await client.beta.threads.messages.create(first, { role: 'user', content: 'thanks, found it!' });
  const followUp = await runs.create(first, { assistant_id: support.id });
  await settle(first, followUp.id);

  // A run that fails: a model no provider serves.
  try {
    const thread = await client.beta.threads.create({ external_id: 'sms:+15559870000', messages: [{ role: 'user', content: 'status?' }] });
    const bad = await runs.create(thread.id, { assistant_id: support.id, model: 'gpt-unknown' });
    await settle(thread.id, bad.id);
  } catch (e) {
    console.log(`(no failed run: ${e.message})`);
  }

  // In progress, with a run queued behind it, and a debounced run still waiting for quiet.
  const busy = await client.beta.threads.create({ external_id: 'slack:U02ABCDEF', messages: [{ role: 'user', content: 'write the weekly report' }] });
  await runs.create(busy.id, { assistant_id: slow.id });
  await runs.create(busy.id, { assistant_id: support.id });
  const waiting = await client.beta.threads.create({ external_id: 'whatsapp:+15550001111', messages: [{ role: 'user', content: 'hey' }] });
  await runs.create(waiting.id, { assistant_id: support.id, debounce_ms: 600_000, max_wait_ms: 600_000 });

  // The failing endpoint's deliveries have failed by now (one quick retry in the test configuration).
  await waitFor(async () => failing.requests.length >= 2, { timeoutMs: 20_000, what: 'failed deliveries' });

  const context = await browser.newContext({ baseURL: server.origin, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e}`));
  const shot = async (name) => {
    await page.waitForLoadState('networkidle').catch(() => {});
    await page.screenshot({ path: path.join(outDir, `${name}.png`) });
    console.log(`docs/dashboard/${name}.png`);
  };

  await page.goto('/dashboard/login');
  await shot('login');
  await signIn(page);
  await page.getByTestId('chart-runs').waitFor();
  await shot('overview');

  await page.goto('/dashboard/threads');
  await page.getByTestId('thread-row').first().waitFor();
  await shot('threads');

  await page.goto(`/dashboard/threads/${first}`);
  await page.getByTestId('message').first().waitFor();
  await shot('thread');

  await page.goto('/dashboard/runs');
  await page.getByTestId('run-row').first().waitFor();
  await shot('runs');

  await page.goto(`/dashboard/runs/${followUp.id}`);
  await page.getByTestId('timeline-row').first().waitFor();
  await shot('run');

  await page.goto('/dashboard/webhooks');
  await page.getByTestId('delivery-row').first().waitFor();
  await shot('webhooks');

  await page.goto('/dashboard/nodes');
  await page.getByTestId('node-row').first().waitFor().catch(() => {});
  await shot('nodes');
} finally {
  await browser.close();
  await failing.close();
  await healthy.close();
  await server.stop();
}
