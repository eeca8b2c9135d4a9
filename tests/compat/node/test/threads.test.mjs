// client.beta.threads: create (with messages), retrieve, update, delete.
import assert from 'node:assert/strict';
import { useServer, collect } from '../lib/harness.mjs';
import { NotFoundError } from '../lib/sdk.mjs';

const ctx = useServer();
const { test } = ctx;

test('create with no body makes an empty thread', async () => {
  const t = await ctx.api.threads.create();
  assert.match(t.id, /^thread_/);
  assert.equal(t.object, 'thread');
  assert.equal(typeof t.created_at, 'number');
  assert.deepEqual(t.metadata, {});
  assert.equal(t.tool_resources, null);
  const page = await ctx.api.messages.list(t.id);
  assert.deepEqual(page.data, []);
});

test('create with messages and metadata, then retrieve', async () => {
  const t = await ctx.api.threads.create({
    messages: [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'second' },
      { role: 'user', content: [{ type: 'text', text: 'third' }], metadata: { n: '3' } },
    ],
    metadata: { channel: 'web' },
  });
  assert.deepEqual(t.metadata, { channel: 'web' });
  const got = await ctx.api.threads.retrieve(t.id);
  assert.equal(got.id, t.id);
  assert.deepEqual(got.metadata, { channel: 'web' });

  const msgs = await collect(ctx.api.messages.list(t.id, { order: 'asc' }));
  assert.deepEqual(msgs.map((m) => [m.role, m.content[0].text.value]), [
    ['user', 'first'],
    ['assistant', 'second'],
    ['user', 'third'],
  ]);
  assert.deepEqual(msgs[2].metadata, { n: '3' });
  for (const m of msgs) assert.equal(m.thread_id, t.id);
});

test('update replaces metadata', async () => {
  const t = await ctx.api.threads.create({ metadata: { a: '1' } });
  const u = await ctx.api.threads.update(t.id, { metadata: { b: '2' } });
  assert.equal(u.id, t.id);
  assert.deepEqual(u.metadata, { b: '2' });
  assert.deepEqual((await ctx.api.threads.retrieve(t.id)).metadata, { b: '2' });
});

test('delete, then retrieve is a NotFoundError with the hosted message', async () => {
  const t = await ctx.api.threads.create();
  const d = await ctx.api.threads.del(t.id);
  assert.deepEqual(d, { id: t.id, object: 'thread.deleted', deleted: true });
  await assert.rejects(ctx.api.threads.retrieve(t.id), (e) => {
    assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
    assert.equal(e.error?.message, `No thread found with id '${t.id}'.`);
    assert.equal(e.error?.type, 'invalid_request_error');
    return true;
  });
});
