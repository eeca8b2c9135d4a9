// client.beta.threads.messages: create, retrieve, update, delete, list with auto-pagination.
import assert from 'node:assert/strict';
import { useServer, collect, countPages } from '../lib/harness.mjs';
import { NotFoundError, BadRequestError } from '../lib/sdk.mjs';

const ctx = useServer();
const { test } = ctx;

test('create, retrieve, update and delete a message', async () => {
  const t = await ctx.api.threads.create();
  const m = await ctx.api.messages.create(t.id, { role: 'user', content: 'Hello', metadata: { k: 'v' } });
  assert.match(m.id, /^msg_/);
  assert.equal(m.object, 'thread.message');
  assert.equal(m.thread_id, t.id);
  assert.equal(m.role, 'user');
  assert.equal(m.status, 'completed');
  assert.deepEqual(m.content, [{ type: 'text', text: { value: 'Hello', annotations: [] } }]);
  assert.deepEqual(m.metadata, { k: 'v' });
  assert.equal(m.assistant_id, null);
  assert.equal(m.run_id, null);

  assert.deepEqual(await ctx.api.messages.retrieve(t.id, m.id), m);

  const u = await ctx.api.messages.update(t.id, m.id, { metadata: { k: 'w' } });
  assert.equal(u.id, m.id);
  assert.deepEqual(u.metadata, { k: 'w' });
  assert.deepEqual((await ctx.api.messages.retrieve(t.id, m.id)).metadata, { k: 'w' });

  const d = await ctx.api.messages.del(t.id, m.id);
  assert.deepEqual(d, { id: m.id, object: 'thread.message.deleted', deleted: true });
  await assert.rejects(ctx.api.messages.retrieve(t.id, m.id), (e) => {
    assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
    assert.equal(e.error?.message, `No message found with id '${m.id}'.`);
    return true;
  });
});

test('content given as parts', async () => {
  const t = await ctx.api.threads.create();
  const m = await ctx.api.messages.create(t.id, {
    role: 'user',
    content: [
      { type: 'text', text: 'one' },
      { type: 'text', text: 'two' },
    ],
  });
  assert.deepEqual(m.content.map((c) => c.text.value), ['one', 'two']);
});

test('list auto-paginates in both orders', async () => {
  const t = await ctx.api.threads.create();
  const ids = [];
  for (let i = 0; i < 7; i++) ids.push((await ctx.api.messages.create(t.id, { role: 'user', content: `m${i}` })).id);

  const desc = await collect(ctx.api.messages.list(t.id, { limit: 2 }));
  assert.deepEqual(desc.map((m) => m.id), [...ids].reverse());
  const asc = await collect(ctx.api.messages.list(t.id, { limit: 3, order: 'asc' }));
  assert.deepEqual(asc.map((m) => m.id), ids);
  assert.deepEqual(asc.map((m) => m.content[0].text.value), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);

  const { pages, ids: paged } = await countPages(ctx.api.messages.list(t.id, { limit: 2, order: 'asc' }));
  assert.equal(pages, 4);
  assert.deepEqual(paged, ids);
});

test('messages of a missing thread: NotFoundError', async () => {
  await assert.rejects(ctx.api.messages.create('thread_doesnotexist', { role: 'user', content: 'x' }), (e) => {
    assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
    assert.equal(e.error?.message, "No thread found with id 'thread_doesnotexist'.");
    return true;
  });
});

test('an invalid role is a BadRequestError', async () => {
  const t = await ctx.api.threads.create();
  await assert.rejects(ctx.api.messages.create(t.id, { role: 'system', content: 'x' }), (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.equal(e.param, 'role');
    return true;
  });
}, { directOnly: 'the request is invalid on purpose (Prism answers 422 itself)' });
