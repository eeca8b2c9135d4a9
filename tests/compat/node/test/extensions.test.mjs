// Threadline's extension fields sent through the SDK the documented way for undocumented params: extra keys in the
// params object are sent as-is in the JSON body (openai-node README, "Undocumented request params"; in TypeScript
// they need a `// @ts-expect-error`). Responses carry extra fields that the SDK passes through untouched.
// Not through Prism: the spec's request schemas say additionalProperties: false, so Prism rejects these on purpose.
import assert from 'node:assert/strict';
import { useServer, collect, waitFor } from '../lib/harness.mjs';
import { BadRequestError } from '../lib/sdk.mjs';

const ctx = useServer({ directOnly: 'extension fields are not in the spec (additionalProperties: false)' });
const { test } = ctx;

let assistant;
async function echoAssistant() {
  assistant ??= await ctx.api.assistants.create({ model: 'echo', name: 'Echo' });
  return assistant;
}

const text = (m) => m.content.map((c) => c.text.value).join('');

async function waitActive(threadId, runId) {
  return waitFor(async () => {
    const r = await ctx.api.runs.retrieve(threadId, runId);
    return r.status === 'in_progress' && r;
  }, { what: `${runId} to be in progress` });
}

test('debounce_ms: a second create joins the waiting run (same id, joined: true)', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create();
  await ctx.api.messages.create(t.id, { role: 'user', content: 'Hi' });
  const { data: first, response: r1 } = await ctx.api.runs.create(t.id, { assistant_id: a.id, debounce_ms: 1000 }).withResponse();
  await ctx.api.messages.create(t.id, { role: 'user', content: 'I have a problem' });
  const { data: second, response: r2 } = await ctx.api.runs.create(t.id, { assistant_id: a.id, debounce_ms: 1000 }).withResponse();

  assert.equal(second.id, first.id, 'the second call returns the same run');
  assert.equal(first.joined, false);
  assert.equal(second.joined, true);
  assert.equal(r1.headers.get('threadline-run-joined'), 'false');
  assert.equal(r2.headers.get('threadline-run-joined'), 'true');
  assert.equal(first.status, 'queued');
  assert.equal(first.debounce_ms, 1000);
  assert.equal(typeof second.eligible_at_ms, 'number');
  assert.ok(second.eligible_at_ms >= first.eligible_at_ms, 'the quiet period restarts');

  const done = await ctx.api.runs.poll(t.id, first.id, { pollIntervalMs: 100 });
  assert.equal(done.status, 'completed');
  const runs = await collect(ctx.api.runs.list(t.id));
  assert.equal(runs.length, 1, 'one run for the burst');
  const reply = (await ctx.api.messages.list(t.id, { run_id: first.id })).data;
  assert.deepEqual(reply.map(text), ['Hi\nI have a problem']);
});

test('a burst of createAndRun calls with thread.external_id and debounce_ms makes one thread and one run', async () => {
  const a = await echoAssistant();
  const externalId = `whatsapp:${Date.now()}`;
  const burst = ['Hi', 'I have a problem', 'my order is missing'];
  const runs = await Promise.all(
    burst.map((content) =>
      ctx.api.threads.createAndRun({
        assistant_id: a.id,
        debounce_ms: 1000,
        thread: { external_id: externalId, messages: [{ role: 'user', content }] },
      }),
    ),
  );
  assert.equal(new Set(runs.map((r) => r.thread_id)).size, 1, 'one thread');
  assert.equal(new Set(runs.map((r) => r.id)).size, 1, 'one run');
  assert.deepEqual(runs.map((r) => r.joined).sort(), [false, true, true]);

  const done = await ctx.api.runs.poll(runs[0].thread_id, runs[0].id, { pollIntervalMs: 100 });
  assert.equal(done.status, 'completed');
  const [reply] = (await ctx.api.messages.list(done.thread_id, { run_id: done.id })).data;
  assert.deepEqual(text(reply).split('\n').sort(), [...burst].sort());
});

test('external_id on threads.create: find or create, appending the messages', async () => {
  const externalId = `telegram:${Date.now()}`;
  const { data: t1, response: r1 } = await ctx.api.threads
    .create({ external_id: externalId, messages: [{ role: 'user', content: 'first' }] })
    .withResponse();
  const { data: t2, response: r2 } = await ctx.api.threads
    .create({ external_id: externalId, messages: [{ role: 'user', content: 'second' }] })
    .withResponse();
  assert.equal(r1.status, 200);
  assert.equal(r2.status, 200);
  assert.equal(t2.id, t1.id);
  assert.equal(t1.external_id, externalId);
  const msgs = await collect(ctx.api.messages.list(t1.id, { order: 'asc' }));
  assert.deepEqual(msgs.map(text), ['first', 'second']);

  // GET /threads is not in the hosted API (so not in the SDK): the SDK's documented way to call it is client.get.
  const page = await ctx.client.get('/threads', { query: { external_id: externalId } });
  assert.deepEqual(page.data.map((t) => t.id), [t1.id]);
});

test('on_active "reject": the hosted 400 as BadRequestError, per request', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'slow' }] });
  const active = await ctx.api.runs.create(t.id, { assistant_id: a.id, model: 'echo:5000' });
  await waitActive(t.id, active.id);
  await assert.rejects(ctx.api.runs.create(t.id, { assistant_id: a.id, on_active: 'reject' }), (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.equal(e.status, 400);
    assert.equal(e.error?.message, `Thread ${t.id} already has an active run ${active.id}.`);
    assert.equal(e.error?.type, 'invalid_request_error');
    assert.equal(e.message, `400 Thread ${t.id} already has an active run ${active.id}.`);
    return true;
  });
  // Without it, the default queues the run.
  const queued = await ctx.api.runs.create(t.id, { assistant_id: a.id });
  assert.equal(queued.status, 'queued');
  assert.equal(queued.queue_position, 1);
  const thread = await ctx.api.threads.retrieve(t.id);
  assert.equal(thread.active_run_id, active.id);
  assert.equal(thread.queued_run_count, 1);
  await ctx.api.runs.cancel(t.id, queued.id);
  await ctx.api.runs.cancel(t.id, active.id);
});

test('on_active "interrupt": the active run is cancelled, its partial reply kept incomplete', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'a long answer that will be cut' }] });
  const first = await ctx.api.runs.create(t.id, { assistant_id: a.id, model: 'echo:5000' });
  await waitActive(t.id, first.id);
  await waitFor(async () => (await ctx.api.messages.list(t.id, { run_id: first.id })).data.length > 0, {
    what: 'the first run to start its reply',
  });
  await ctx.api.messages.create(t.id, { role: 'user', content: 'never mind' });
  const second = await ctx.api.runs.create(t.id, { assistant_id: a.id, on_active: 'interrupt' });
  const end2 = await ctx.api.runs.poll(t.id, second.id, { pollIntervalMs: 100 });
  assert.equal(end2.status, 'completed');
  const end1 = await ctx.api.runs.retrieve(t.id, first.id);
  assert.equal(end1.status, 'cancelled');
  const [partial] = (await ctx.api.messages.list(t.id, { run_id: first.id })).data;
  assert.equal(partial.status, 'incomplete');
  assert.equal(partial.incomplete_details?.reason, 'run_cancelled');
});

test('max_wait_ms bounds the debounce', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'soon' }] });
  const started = Date.now();
  const run = await ctx.api.runs.create(t.id, { assistant_id: a.id, debounce_ms: 600000, max_wait_ms: 300 });
  assert.equal(run.max_wait_ms, 300);
  const done = await ctx.api.runs.poll(t.id, run.id, { pollIntervalMs: 100 });
  assert.equal(done.status, 'completed');
  assert.ok(Date.now() - started < 10_000);
});
