// client.beta.threads.runs: create, createAndPoll, retrieve, update, list (auto-pagination), cancel;
// threads.createAndRun / createAndRunPoll; runs.steps.list / retrieve; messages.list({ run_id }).
import assert from 'node:assert/strict';
import { useServer, collect, waitFor } from '../lib/harness.mjs';
import { NotFoundError, BadRequestError } from '../lib/sdk.mjs';

const ctx = useServer();
const { test } = ctx;

let assistant;
async function echoAssistant() {
  assistant ??= await ctx.api.assistants.create({ model: 'echo', name: 'Echo' });
  return assistant;
}

function text(message) {
  return message.content.map((c) => c.text.value).join('');
}

test('runs.create answers a queued run; it completes with the echo reply', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'Hello' }] });
  const run = await ctx.api.runs.create(t.id, { assistant_id: a.id, metadata: { trace: '1' } });
  assert.match(run.id, /^run_/);
  assert.equal(run.object, 'thread.run');
  assert.equal(run.thread_id, t.id);
  assert.equal(run.assistant_id, a.id);
  assert.ok(['queued', 'in_progress', 'completed'].includes(run.status), run.status);
  assert.equal(run.model, 'echo');
  assert.deepEqual(run.metadata, { trace: '1' });

  const done = await waitFor(async () => {
    const r = await ctx.api.runs.retrieve(t.id, run.id);
    return r.status === 'completed' && r;
  }, { what: 'the run to complete' });
  assert.equal(typeof done.completed_at, 'number');
  assert.equal(typeof done.started_at, 'number');
  const reply = (await ctx.api.messages.list(t.id, { run_id: run.id })).data;
  assert.equal(reply.length, 1);
  assert.equal(reply[0].role, 'assistant');
  assert.equal(reply[0].assistant_id, a.id);
  assert.equal(text(reply[0]), 'Hello');
});

test('runs.createAndPoll returns the completed run promptly (openai-poll-after-ms)', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create({
    messages: [
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
    ],
  });
  const started = Date.now();
  const run = await ctx.api.runs.createAndPoll(t.id, { assistant_id: a.id });
  // Without the header the helper sleeps 5 s before each new poll.
  assert.ok(Date.now() - started < 5_000, `createAndPoll took ${Date.now() - started} ms`);
  const { data: queued, response } = await ctx.api.runs.create(t.id, { assistant_id: a.id }).withResponse();
  assert.equal(queued.status, 'queued');
  assert.equal(response.headers.get('openai-poll-after-ms'), '100');
  await ctx.api.runs.poll(t.id, queued.id);
  assert.equal(run.status, 'completed');
  const msgs = (await ctx.api.messages.list(t.id, { order: 'asc' })).data;
  assert.deepEqual(msgs.slice(0, 3).map(text), ['one', 'two', 'one\ntwo']);
  assert.equal(msgs[2].run_id, run.id);
});

test('run overrides: model, instructions, additional_messages', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create();
  const run = await ctx.api.runs.createAndPoll(t.id, {
    assistant_id: a.id,
    model: 'echo:10',
    instructions: 'Other instructions',
    additional_messages: [{ role: 'user', content: 'extra' }],
  });
  assert.equal(run.status, 'completed');
  assert.equal(run.model, 'echo:10');
  assert.equal(run.instructions, 'Other instructions');
  const msgs = (await ctx.api.messages.list(t.id, { order: 'asc' })).data;
  assert.deepEqual(msgs.map(text), ['extra', 'extra']);
});

test('runs.retrieve, runs.update and runs.list with auto-pagination', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create();
  const ids = [];
  for (let i = 0; i < 5; i++) {
    await ctx.api.messages.create(t.id, { role: 'user', content: `q${i}` });
    ids.push((await ctx.api.runs.createAndPoll(t.id, { assistant_id: a.id })).id);
  }
  const got = await ctx.api.runs.retrieve(t.id, ids[0]);
  assert.equal(got.id, ids[0]);
  assert.equal(got.status, 'completed');

  const updated = await ctx.api.runs.update(t.id, ids[0], { metadata: { label: 'first' } });
  assert.deepEqual(updated.metadata, { label: 'first' });
  assert.deepEqual((await ctx.api.runs.retrieve(t.id, ids[0])).metadata, { label: 'first' });

  const desc = await collect(ctx.api.runs.list(t.id, { limit: 2 }));
  assert.deepEqual(desc.map((r) => r.id), [...ids].reverse());
  const asc = await collect(ctx.api.runs.list(t.id, { limit: 2, order: 'asc' }));
  assert.deepEqual(asc.map((r) => r.id), ids);
});

test('threads.createAndRun and threads.createAndRunPoll', async () => {
  const a = await echoAssistant();
  const run = await ctx.api.threads.createAndRun({
    assistant_id: a.id,
    thread: { messages: [{ role: 'user', content: 'made and run' }], metadata: { via: 'createAndRun' } },
  });
  assert.match(run.thread_id, /^thread_/);
  const thread = await ctx.api.threads.retrieve(run.thread_id);
  assert.deepEqual(thread.metadata, { via: 'createAndRun' });
  await waitFor(async () => (await ctx.api.runs.retrieve(run.thread_id, run.id)).status === 'completed', {
    what: 'createAndRun run to complete',
  });

  const polled = await ctx.api.threads.createAndRunPoll({
    assistant_id: a.id,
    thread: { messages: [{ role: 'user', content: 'polled' }] },
  });
  assert.equal(polled.status, 'completed');
  const reply = (await ctx.api.messages.list(polled.thread_id, { run_id: polled.id })).data;
  assert.deepEqual(reply.map(text), ['polled']);
});

test('runs.steps.list and runs.steps.retrieve', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'steps' }] });
  const run = await ctx.api.runs.createAndPoll(t.id, { assistant_id: a.id });
  assert.equal(run.status, 'completed');
  const steps = await collect(ctx.api.steps.list(t.id, run.id, { limit: 1 }));
  assert.equal(steps.length, 1);
  const [step] = steps;
  assert.match(step.id, /^step_/);
  assert.equal(step.object, 'thread.run.step');
  assert.equal(step.run_id, run.id);
  assert.equal(step.thread_id, t.id);
  assert.equal(step.type, 'message_creation');
  assert.equal(step.status, 'completed');
  const reply = (await ctx.api.messages.list(t.id, { run_id: run.id })).data[0];
  assert.equal(step.step_details.message_creation.message_id, reply.id);

  const got = await ctx.api.steps.retrieve(t.id, run.id, step.id);
  assert.deepEqual(got, step);
});

test('runs.cancel on an in-progress run ends it cancelled', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'a slow reply' }] });
  const run = await ctx.api.runs.create(t.id, { assistant_id: a.id, model: 'echo:5000' });
  await waitFor(async () => (await ctx.api.runs.retrieve(t.id, run.id)).status === 'in_progress', {
    what: 'the run to start',
  });
  const cancelling = await ctx.api.runs.cancel(t.id, run.id);
  assert.equal(cancelling.id, run.id);
  assert.ok(['cancelling', 'cancelled'].includes(cancelling.status), cancelling.status);
  const end = await ctx.api.runs.poll(t.id, run.id, { pollIntervalMs: 50 });
  assert.equal(end.status, 'cancelled');
  assert.equal(typeof end.cancelled_at, 'number');
});

test('runs.cancel on a queued run, and on a completed one (BadRequestError)', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'x' }] });
  const first = await ctx.api.runs.create(t.id, { assistant_id: a.id, model: 'echo:5000' });
  const second = await ctx.api.runs.create(t.id, { assistant_id: a.id });
  // The queue: a run on a busy thread waits (the hosted API answered 400 here).
  assert.equal(second.status, 'queued');
  const cancelled = await ctx.api.runs.cancel(t.id, second.id);
  assert.ok(['cancelling', 'cancelled'].includes(cancelled.status), cancelled.status);
  assert.equal((await ctx.api.runs.poll(t.id, second.id, { pollIntervalMs: 50 })).status, 'cancelled');
  await ctx.api.runs.cancel(t.id, first.id);
  assert.equal((await ctx.api.runs.poll(t.id, first.id, { pollIntervalMs: 50 })).status, 'cancelled');

  const done = await ctx.api.runs.createAndPoll(t.id, { assistant_id: a.id });
  assert.equal(done.status, 'completed');
  await assert.rejects(ctx.api.runs.cancel(t.id, done.id), (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.equal(e.error?.message, "Cannot cancel run with status 'completed'.");
    return true;
  });
});

test('runs on a busy thread are queued and run in order', async () => {
  const a = await echoAssistant();
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'first' }] });
  const r1 = await ctx.api.runs.create(t.id, { assistant_id: a.id, model: 'echo:500' });
  // Messages are accepted at any time (the hosted API answered 400 while a run was active).
  await ctx.api.messages.create(t.id, { role: 'user', content: 'second' });
  const r2 = await ctx.api.runs.create(t.id, { assistant_id: a.id });
  assert.equal(r2.status, 'queued');
  const end2 = await ctx.api.runs.poll(t.id, r2.id, { pollIntervalMs: 50 });
  const end1 = await ctx.api.runs.retrieve(t.id, r1.id);
  assert.equal(end1.status, 'completed');
  assert.equal(end2.status, 'completed');
  assert.ok(end2.started_at >= end1.completed_at, 'the second run started before the first ended');
  const [reply2] = (await ctx.api.messages.list(t.id, { run_id: r2.id })).data;
  assert.ok(reply2.content[0].text.value.endsWith('second'), reply2.content[0].text.value);
});

test('a missing run is a NotFoundError with the hosted message', async () => {
  const t = await ctx.api.threads.create();
  await assert.rejects(ctx.api.runs.retrieve(t.id, 'run_doesnotexist'), (e) => {
    assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
    assert.equal(e.error?.message, "No run found with id 'run_doesnotexist'.");
    return true;
  });
});
