// client.beta.assistants: create, retrieve, update, delete, list with auto-pagination.
import assert from 'node:assert/strict';
import { useServer, collect, countPages } from '../lib/harness.mjs';
import { NotFoundError } from '../lib/sdk.mjs';

const ctx = useServer();
const { test } = ctx;

test('create returns the assistant as given, with hosted defaults', async () => {
  const a = await ctx.api.assistants.create({
    model: 'echo',
    name: 'Echo bot',
    description: 'repeats',
    instructions: 'Be brief.',
    metadata: { team: 'support' },
    temperature: 0.5,
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
  });
  assert.match(a.id, /^asst_/);
  assert.equal(a.object, 'assistant');
  assert.equal(a.model, 'echo');
  assert.equal(a.name, 'Echo bot');
  assert.equal(a.description, 'repeats');
  assert.equal(a.instructions, 'Be brief.');
  assert.deepEqual(a.metadata, { team: 'support' });
  assert.equal(a.temperature, 0.5);
  assert.equal(a.tools.length, 1);
  assert.equal(a.tools[0].function.name, 'get_weather');
  assert.equal(typeof a.created_at, 'number');
});

test('retrieve, update and delete', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo', name: 'before' });
  const got = await ctx.api.assistants.retrieve(a.id);
  assert.deepEqual(got, a);

  const updated = await ctx.api.assistants.update(a.id, { name: 'after', metadata: { v: '2' } });
  assert.equal(updated.id, a.id);
  assert.equal(updated.name, 'after');
  assert.deepEqual(updated.metadata, { v: '2' });
  assert.equal((await ctx.api.assistants.retrieve(a.id)).name, 'after');

  const deleted = await ctx.api.assistants.del(a.id);
  assert.deepEqual(deleted, { id: a.id, object: 'assistant.deleted', deleted: true });
  await assert.rejects(ctx.api.assistants.retrieve(a.id), (e) => {
    assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
    assert.equal(e.status, 404);
    assert.equal(e.error?.message, `No assistant found with id '${a.id}'.`);
    return true;
  });
});

test('list auto-paginates over several pages, newest first, without repeats', async () => {
  const created = [];
  for (let i = 0; i < 5; i++) created.push((await ctx.api.assistants.create({ model: 'echo', name: `page-${i}` })).id);

  // The server may be shared with other test files: look at the five made here, in whatever else is listed.
  const all = await collect(ctx.api.assistants.list({ limit: 2 }));
  const ids = all.map((a) => a.id);
  assert.equal(new Set(ids).size, ids.length, 'an assistant came twice');
  assert.deepEqual(ids.filter((id) => created.includes(id)), [...created].reverse(), 'desc by default');

  const { pages, ids: paged } = await countPages(ctx.api.assistants.list({ limit: 2 }));
  assert.ok(pages >= 3, `${pages} pages`);
  assert.equal(pages, Math.ceil(paged.length / 2));
  assert.deepEqual(paged.filter((id) => created.includes(id)), [...created].reverse());

  const asc = await collect(ctx.api.assistants.list({ limit: 2, order: 'asc' }));
  assert.deepEqual(asc.map((a) => a.id).filter((id) => created.includes(id)), created);
});

test('list page carries the cursor fields and honours before', async () => {
  const raw = await (await ctx.api.assistants.list({ limit: 2 }).asResponse()).json();
  assert.equal(raw.object, 'list');
  assert.equal(raw.has_more, true);
  assert.equal(raw.first_id, raw.data[0].id);
  assert.equal(raw.last_id, raw.data[1].id);
  const page = await ctx.api.assistants.list({ limit: 2 });
  assert.equal(page.data.length, 2);
  assert.deepEqual(page.data.map((a) => a.id), raw.data.map((a) => a.id));
  assert.ok(page.hasNextPage());
  const next = await page.getNextPage();
  const before = await ctx.api.assistants.list({ limit: 2, before: next.data[0].id });
  assert.deepEqual(before.data.map((a) => a.id), page.data.map((a) => a.id));
});
