// Function tools without streaming: requires_action, runs.submitToolOutputs, runs.submitToolOutputsAndPoll.
// The built-in echo model turns a last user message "call:<name> <json>" into one call of the function tool <name>,
// and after the outputs replies "<name> returned: <output>".
import assert from 'node:assert/strict';
import { useServer, collect, waitFor } from '../lib/harness.mjs';
import { BadRequestError } from '../lib/sdk.mjs';

const ctx = useServer();
const { test } = ctx;

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

test('createAndPoll stops at requires_action; submitToolOutputsAndPoll completes the run', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo', tools: [weatherTool] });
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'call:get_weather {"city":"Paris"}' }] });
  const run = await ctx.api.runs.createAndPoll(t.id, { assistant_id: a.id });
  assert.equal(run.status, 'requires_action');
  assert.equal(run.required_action.type, 'submit_tool_outputs');
  const calls = run.required_action.submit_tool_outputs.tool_calls;
  assert.equal(calls.length, 1);
  assert.match(calls[0].id, /^call_/);
  assert.equal(calls[0].type, 'function');
  assert.equal(calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { city: 'Paris' });
  assert.equal(typeof run.expires_at, 'number');

  const steps = await collect(ctx.api.steps.list(t.id, run.id));
  assert.equal(steps.length, 1);
  assert.equal(steps[0].type, 'tool_calls');
  assert.equal(steps[0].status, 'in_progress');
  assert.equal(steps[0].step_details.tool_calls[0].id, calls[0].id);

  const done = await ctx.api.runs.submitToolOutputsAndPoll(t.id, run.id, {
    tool_outputs: [{ tool_call_id: calls[0].id, output: '18C and sunny' }],
  });
  assert.equal(done.status, 'completed');
  assert.equal(done.required_action, null);
  const reply = (await ctx.api.messages.list(t.id, { run_id: run.id })).data;
  assert.deepEqual(reply.map((m) => m.content[0].text.value), ['get_weather returned: 18C and sunny']);

  const after = await collect(ctx.api.steps.list(t.id, run.id, { order: 'asc' }));
  assert.deepEqual(after.map((s) => [s.type, s.status]), [
    ['tool_calls', 'completed'],
    ['message_creation', 'completed'],
  ]);
  assert.equal(after[0].step_details.tool_calls[0].function.output, '18C and sunny');
});

test('tools given on the run; runs.submitToolOutputs (no poll)', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo' });
  const run = await ctx.api.threads.createAndRunPoll({
    assistant_id: a.id,
    tools: [weatherTool],
    thread: { messages: [{ role: 'user', content: 'call:get_weather {"city":"Oslo"}' }] },
  });
  assert.equal(run.status, 'requires_action');
  const [call] = run.required_action.submit_tool_outputs.tool_calls;
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });

  const submitted = await ctx.api.runs.submitToolOutputs(run.thread_id, run.id, {
    tool_outputs: [{ tool_call_id: call.id, output: '-3C' }],
  });
  assert.equal(submitted.id, run.id);
  assert.ok(['queued', 'in_progress', 'completed'].includes(submitted.status), submitted.status);
  const done = await ctx.api.runs.poll(run.thread_id, run.id, { pollIntervalMs: 50 });
  assert.equal(done.status, 'completed');
  const reply = (await ctx.api.messages.list(run.thread_id, { run_id: run.id })).data;
  assert.equal(reply[0].content[0].text.value, 'get_weather returned: -3C');
});

test('outputs for a run that is not waiting: BadRequestError with the hosted message', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo' });
  const run = await ctx.api.threads.createAndRunPoll({
    assistant_id: a.id,
    thread: { messages: [{ role: 'user', content: 'no tools here' }] },
  });
  assert.equal(run.status, 'completed');
  await assert.rejects(
    ctx.api.runs.submitToolOutputs(run.thread_id, run.id, { tool_outputs: [{ tool_call_id: 'call_x', output: 'y' }] }),
    (e) => {
      assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
      assert.equal(e.error?.message, 'Runs in status "completed" do not accept tool outputs.');
      return true;
    },
  );
});

test('a run waiting for outputs can be cancelled', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo', tools: [weatherTool] });
  const run = await ctx.api.threads.createAndRunPoll({
    assistant_id: a.id,
    thread: { messages: [{ role: 'user', content: 'call:get_weather {"city":"Rome"}' }] },
  });
  assert.equal(run.status, 'requires_action');
  await ctx.api.runs.cancel(run.thread_id, run.id);
  const end = await waitFor(async () => {
    const r = await ctx.api.runs.retrieve(run.thread_id, run.id);
    return ['cancelled', 'cancelling'].includes(r.status) && r.status === 'cancelled' && r;
  }, { what: 'the run to be cancelled' });
  assert.equal(end.status, 'cancelled');
});
