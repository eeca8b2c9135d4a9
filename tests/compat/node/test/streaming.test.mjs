// Streaming helpers: runs.stream, threads.createAndRunStream, runs.submitToolOutputsStream, runs.create({stream:true}).
// Event streams can't go through Prism (the spec declares no text/event-stream response), so this file always talks
// to Threadline directly; the harness checks every raw SSE frame against the spec's event schemas
// (ThreadStreamEvent, RunStreamEvent, RunStepStreamEvent, MessageStreamEvent, DoneEvent) with ajv.
import assert from 'node:assert/strict';
import { useServer, recorder, waitFor } from '../lib/harness.mjs';

const ctx = useServer({ directOnly: 'the spec declares no event-stream responses; frames are checked with ajv instead' });
const { test } = ctx;

const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

/** Event names with runs of deltas folded into one "name*". */
function fold(names) {
  const out = [];
  for (const n of names) {
    if (n.endsWith('.delta') && (out.at(-1) === n || out.at(-1) === `${n}*`)) out[out.length - 1] = `${n}*`;
    else out.push(n);
  }
  return out.map((n) => (n.endsWith('.delta') && !n.endsWith('*') ? `${n}*` : n));
}

const TEXT_RUN = [
  'thread.run.created',
  'thread.run.queued',
  'thread.run.in_progress',
  'thread.run.step.created',
  'thread.run.step.in_progress',
  'thread.message.created',
  'thread.message.in_progress',
  'thread.message.delta*',
  'thread.message.completed',
  'thread.run.step.completed',
  'thread.run.completed',
];

test('runs.stream: textDelta, messageDone, finalRun, finalMessages, finalRunSteps', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo' });
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'Hello streaming world' }] });
  const events = [];
  let text = '';
  let lastSnapshot;
  let textCreated = 0;
  const done = [];
  const stream = ctx.api.runs
    .stream(t.id, { assistant_id: a.id })
    .on('event', (e) => events.push(e.event))
    .on('textCreated', () => textCreated++)
    .on('textDelta', (delta, snapshot) => {
      text += delta.value;
      lastSnapshot = snapshot.value;
    })
    .on('messageDone', (m) => done.push(m));

  const run = await stream.finalRun();
  assert.equal(run.status, 'completed');
  assert.equal(run.thread_id, t.id);
  assert.equal(text, 'Hello streaming world');
  assert.equal(lastSnapshot, 'Hello streaming world');
  assert.equal(textCreated, 1);
  assert.equal(done.length, 1);
  assert.equal(done[0].status, 'completed');
  assert.equal(done[0].content[0].text.value, 'Hello streaming world');

  const messages = await stream.finalMessages();
  assert.equal(messages.length, 1);
  assert.equal(messages[0].role, 'assistant');
  assert.equal(messages[0].id, done[0].id);
  assert.equal(messages[0].content[0].text.value, 'Hello streaming world');
  const steps = await stream.finalRunSteps();
  assert.deepEqual(steps.map((s) => [s.type, s.status]), [['message_creation', 'completed']]);

  assert.deepEqual(fold(events), TEXT_RUN);
  await recorder.settle();
  assert.deepEqual(fold(recorder.streams[0].events), [...TEXT_RUN, 'done']);

  const stored = await ctx.api.runs.retrieve(t.id, run.id);
  assert.equal(stored.status, 'completed');
  const listed = (await ctx.api.messages.list(t.id, { run_id: run.id })).data;
  assert.equal(listed[0].id, messages[0].id);
});

test('threads.createAndRunStream starts with thread.created; the stream is async-iterable', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo' });
  const stream = ctx.api.threads.createAndRunStream({
    assistant_id: a.id,
    thread: { messages: [{ role: 'user', content: 'new thread' }], metadata: { s: '1' } },
  });
  const events = [];
  for await (const e of stream) events.push(e);
  assert.equal(events[0].event, 'thread.created');
  const thread = events[0].data;
  assert.match(thread.id, /^thread_/);
  assert.deepEqual(thread.metadata, { s: '1' });
  assert.deepEqual(fold(events.slice(1).map((e) => e.event)), TEXT_RUN);
  const run = await stream.finalRun();
  assert.equal(run.thread_id, thread.id);
  assert.equal(run.status, 'completed');
  const [message] = await stream.finalMessages();
  assert.equal(message.content[0].text.value, 'new thread');
});

test('runs.createAndStream (the deprecated name of runs.stream) still works', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo' });
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'old name' }] });
  let text = '';
  const stream = ctx.api.runs.createAndStream(t.id, { assistant_id: a.id }).on('textDelta', (d) => (text += d.value));
  assert.equal((await stream.finalRun()).status, 'completed');
  assert.equal(text, 'old name');
});

test('runs.create({ stream: true }) yields the raw events', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo' });
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'raw' }] });
  const stream = await ctx.api.runs.create(t.id, { assistant_id: a.id, stream: true });
  const names = [];
  let final;
  for await (const e of stream) {
    names.push(e.event);
    if (e.event === 'thread.run.completed') final = e.data;
  }
  assert.deepEqual(fold(names), TEXT_RUN);
  assert.equal(final.status, 'completed');
});

async function toolCallRun() {
  const a = await ctx.api.assistants.create({ model: 'echo', tools: [weatherTool] });
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'call:get_weather {"city":"Paris"}' }] });
  return { a, t };
}

test('runs.stream with a tool call ends at requires_action; submitToolOutputsStream completes the run', async () => {
  const { a, t } = await toolCallRun();
  const events = [];
  const stream = ctx.api.runs.stream(t.id, { assistant_id: a.id }).on('event', (e) => events.push(e.event));
  const run = await stream.finalRun();
  assert.equal(run.status, 'requires_action');
  const [call] = run.required_action.submit_tool_outputs.tool_calls;
  assert.equal(call.function.name, 'get_weather');
  assert.equal(call.function.arguments, '{"city":"Paris"}');
  assert.deepEqual(fold(events), [
    'thread.run.created',
    'thread.run.queued',
    'thread.run.in_progress',
    'thread.run.step.created',
    'thread.run.step.in_progress',
    'thread.run.step.delta*',
    'thread.run.requires_action',
  ]);

  const texts = [];
  const submitEvents = [];
  const next = ctx.api.runs
    .submitToolOutputsStream(t.id, run.id, { tool_outputs: [{ tool_call_id: call.id, output: '18C' }] })
    .on('event', (e) => submitEvents.push(e.event))
    .on('textDelta', (d) => texts.push(d.value));
  const end = await next.finalRun();
  assert.equal(end.status, 'completed');
  assert.equal(texts.join(''), 'get_weather returned: 18C');
  const messages = await next.finalMessages();
  assert.equal(messages[0].content[0].text.value, 'get_weather returned: 18C');
  assert.deepEqual(fold(submitEvents), [
    'thread.run.step.completed',
    'thread.run.queued',
    'thread.run.in_progress',
    'thread.run.step.created',
    'thread.run.step.in_progress',
    'thread.message.created',
    'thread.message.in_progress',
    'thread.message.delta*',
    'thread.message.completed',
    'thread.run.step.completed',
    'thread.run.completed',
  ]);
});

test('toolCallCreated / toolCallDelta give the tool call once, as the hosted stream did', async () => {
  const { a, t } = await toolCallRun();
  const created = [];
  let snapshot;
  const stream = ctx.api.runs
    .stream(t.id, { assistant_id: a.id })
    .on('toolCallCreated', (call) => created.push(structuredClone(call)))
    .on('toolCallDelta', (_delta, snap) => {
      snapshot = structuredClone(snap);
    });
  const run = await stream.finalRun();
  const [call] = run.required_action.submit_tool_outputs.tool_calls;
  // The SDK builds each tool call by appending the string fields of every step.delta onto the tool call of the
  // step.created snapshot, so the call must come once: the hosted API's step.created has "tool_calls": [] and the
  // deltas carry id, name and the argument fragments.
  assert.equal(created.length, 1, 'one toolCallCreated');
  assert.deepEqual(
    { id: created[0].id, type: created[0].type, name: created[0].function.name },
    { id: call.id, type: 'function', name: 'get_weather' },
    'the tool call as toolCallCreated gave it',
  );
  const accumulated = (snapshot ?? created[0]).function.arguments;
  assert.equal(accumulated, '{"city":"Paris"}', 'arguments as the SDK accumulated them from the stream');
  const steps = await stream.finalRunSteps();
  assert.equal(steps[0].step_details.tool_calls.length, 1);
  assert.equal(steps[0].step_details.tool_calls[0].function.arguments, '{"city":"Paris"}', 'finalRunSteps()');
  await ctx.api.runs.cancel(t.id, run.id);
});

test('a client that aborts the stream does not cancel the run', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo:1500' });
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'keep going without me' }] });
  const stream = ctx.api.runs.stream(t.id, { assistant_id: a.id });
  const ended = stream.done().catch((e) => e);
  stream.on('abort', () => {});
  let runId;
  await new Promise((resolve, reject) => {
    stream.on('event', (e) => {
      if (e.event === 'thread.run.created') runId = e.data.id;
      if (e.event === 'thread.message.delta') resolve();
    });
    stream.on('error', reject);
    stream.on('end', resolve);
  });
  stream.abort();
  await ended;
  assert.ok(runId);
  const end = await waitFor(async () => {
    const r = await ctx.api.runs.retrieve(t.id, runId);
    return ['completed', 'cancelled', 'failed', 'incomplete', 'expired'].includes(r.status) && r;
  }, { what: 'the run to end' });
  assert.equal(end.status, 'completed');
  const reply = (await ctx.api.messages.list(t.id, { run_id: runId })).data;
  assert.equal(reply[0].content[0].text.value, 'keep going without me');
});
