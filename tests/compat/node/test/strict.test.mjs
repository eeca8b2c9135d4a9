// Strict mode (--Threadline:Concurrency=reject): the hosted API's answers on a busy thread, as the SDK's
// BadRequestError. Its own server; not through Prism (the spec declares no 400 responses, so Prism would only warn;
// the harness checks every error body against the spec's ErrorResponse schema itself).
import assert from 'node:assert/strict';
import { useServer, waitFor } from '../lib/harness.mjs';
import { BadRequestError, noConversations } from '../lib/sdk.mjs';

const ctx = useServer({
  args: { 'Threadline:Concurrency': 'reject' },
  directOnly: 'own server in strict mode; its 400s are not declared by the spec',
});
const { test } = ctx;

async function busyThread() {
  const a = await ctx.api.assistants.create({ model: 'echo' });
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'slow' }] });
  const run = await ctx.api.runs.create(t.id, { assistant_id: a.id, model: 'echo:5000' });
  await waitFor(async () => (await ctx.api.runs.retrieve(t.id, run.id)).status === 'in_progress', {
    what: 'the run to start',
  });
  return { a, t, run };
}

function hostedError(expected) {
  return (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.equal(e.status, 400);
    assert.equal(e.message, `400 ${expected}`);
    assert.equal(e.error?.message, expected);
    assert.equal(e.error?.type, 'invalid_request_error');
    return true;
  };
}

test('messages.create on a thread with an active run: BadRequestError', async () => {
  const { t, run } = await busyThread();
  await assert.rejects(
    ctx.api.messages.create(t.id, { role: 'user', content: 'too soon' }),
    hostedError(`Can't add messages to ${t.id} while a run ${run.id} is active.`),
  );
  await ctx.api.runs.cancel(t.id, run.id);
});

test('runs.create / createAndPoll on a thread with an active run: BadRequestError', async () => {
  const { a, t, run } = await busyThread();
  const expected = `Thread ${t.id} already has an active run ${run.id}.`;
  await assert.rejects(ctx.api.runs.create(t.id, { assistant_id: a.id }), hostedError(expected));
  await assert.rejects(ctx.api.runs.createAndPoll(t.id, { assistant_id: a.id }), hostedError(expected));
  await ctx.api.runs.cancel(t.id, run.id);
  const end = await ctx.api.runs.poll(t.id, run.id, { pollIntervalMs: 50 });
  assert.equal(end.status, 'cancelled');
  // Once the thread is idle again, both work.
  await ctx.api.messages.create(t.id, { role: 'user', content: 'now' });
  const next = await ctx.api.runs.createAndPoll(t.id, { assistant_id: a.id });
  assert.equal(next.status, 'completed');
});

test('conversations.items.create on a conversation with an active run: the hosted conversation_locked', async () => {
  const { t, run } = await busyThread();
  await assert.rejects(ctx.client.conversations.items.create(t.id, { items: [{ role: 'user', content: 'too soon' }] }), (e) => {
    hostedError('Another process is currently operating on this conversation. Please retry in a few seconds.')(e);
    assert.equal(e.code, 'conversation_locked');
    assert.equal(e.param, 'conversation');
    return true;
  });
  await ctx.api.runs.cancel(t.id, run.id);
}, { skip: noConversations });
