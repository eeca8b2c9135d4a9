// client.vectorStores (openai 6.x) against Threadline: stores (create with file_ids, metadata, expires_after;
// retrieve, list, update, delete), store files (uploadAndPoll, createAndPoll with attributes and a static chunking
// strategy, list with `filter`, update attributes, content, delete), file batches (uploadAndPoll, listFiles,
// cancel), files that fail to index (unsupported_file, invalid_file), search (a paraphrased question, max_num_results,
// ranking_options.score_threshold, attribute filters) and the validation errors. Indexing runs in the background:
// every wait polls with a deadline (the SDK's poll helpers or waitFor). Bodies are checked against the Files and
// Vector Stores spec (lib/files-spec.mjs); Prism does not proxy these paths, so the file runs directly.
import assert from 'node:assert/strict';
import { useServer, collect, waitFor } from '../lib/harness.mjs';
import { BadRequestError, NotFoundError } from '../lib/sdk.mjs';
import { conforms, notV6, directOnly } from '../lib/files-spec.mjs';

const { toFile } = await import(process.env.OPENAI_PACKAGE ?? 'openai');

const ctx = useServer({ directOnly });
const test = (name, fn, options = {}) => ctx.test(name, fn, { skip: notV6, timeout: 60_000, ...options });
const poll = { pollIntervalMs: 50 };

const docs = {
  'bees.md': 'Honeybees tell their hive mates where flowers are by performing a waggle dance. The angle of the dance shows the direction of the food relative to the sun.',
  'volcano.md': 'A volcanic eruption happens when magma rises through cracks in the crust of the Earth. Lava, ash and hot gases escape from the vent at the summit.',
  'bread.md': 'Sourdough bread is leavened with a starter of wild yeast and lactic acid bacteria. The dough ferments slowly overnight before it is baked in a hot oven.',
  'chess.md': 'In chess, castling moves the king two squares toward a rook, and that rook then jumps to the square the king crossed. It is the only move involving two pieces.',
};

const file = (name, text = docs[name]) => toFile(Buffer.from(text), name);
const upload = async (name, text) => ctx.client.files.create({ file: await file(name, text), purpose: 'assistants' });

/** Waits until no file of the store is in progress; returns the store. */
const settled = (id) =>
  waitFor(async () => {
    const s = await ctx.client.vectorStores.retrieve(id);
    return s.file_counts.in_progress === 0 && s.status === 'completed' ? s : undefined;
  }, { timeoutMs: 40_000, intervalMs: 100, what: `vector store ${id} to finish indexing` });

const rejectsWith = (promise, Type, param) =>
  assert.rejects(promise, (e) => {
    assert.ok(e instanceof Type, `expected ${Type.name}, got ${e}`);
    if (param !== undefined) assert.equal(e.param, param);
    return true;
  });

test('stores: create with name, metadata, expires_after and file_ids; retrieve, list, update, delete', async () => {
  const f = await upload('bees.md');
  const vs = conforms('VectorStoreObject', await ctx.client.vectorStores.create({
    name: 'nature', metadata: { team: 'bio' }, expires_after: { anchor: 'last_active_at', days: 2 }, file_ids: [f.id],
  }));
  assert.match(vs.id, /^vs_/);
  assert.equal(vs.object, 'vector_store');
  assert.equal(vs.name, 'nature');
  assert.deepEqual(vs.metadata, { team: 'bio' });
  assert.deepEqual(vs.expires_after, { anchor: 'last_active_at', days: 2 });
  assert.equal(vs.expires_at, vs.last_active_at + 2 * 86400);
  assert.equal(vs.file_counts.total, 1);

  const done = conforms('VectorStoreObject', await settled(vs.id));
  assert.deepEqual(done.file_counts, { in_progress: 0, completed: 1, failed: 0, cancelled: 0, total: 1 });
  assert.ok(done.usage_bytes > 0, `usage_bytes ${done.usage_bytes}`);
  const files = await ctx.client.vectorStores.files.list(vs.id);
  conforms('ListVectorStoreFilesResponse', files.body);
  assert.deepEqual(files.data.map((x) => [x.id, x.status, x.vector_store_id]), [[f.id, 'completed', vs.id]]);

  const listed = await collect(ctx.client.vectorStores.list({ limit: 2 }));
  assert.ok(listed.some((s) => s.id === vs.id), 'the store is not listed');
  conforms('ListVectorStoresResponse', (await ctx.client.vectorStores.list({ limit: 1 })).body);

  const updated = conforms('VectorStoreObject', await ctx.client.vectorStores.update(vs.id, { name: 'renamed', metadata: { team: 'geo', x: '1' } }));
  assert.equal(updated.name, 'renamed');
  assert.deepEqual(updated.metadata, { team: 'geo', x: '1' });
  assert.equal((await ctx.client.vectorStores.retrieve(vs.id)).name, 'renamed');

  const deleted = conforms('DeleteVectorStoreResponse', await ctx.client.vectorStores.delete(vs.id));
  assert.deepEqual(deleted, { id: vs.id, object: 'vector_store.deleted', deleted: true });
  await rejectsWith(ctx.client.vectorStores.retrieve(vs.id), NotFoundError);
  await rejectsWith(ctx.client.vectorStores.search(vs.id, { query: 'bees' }), NotFoundError);
  // The file itself stays in the Files API.
  assert.equal((await ctx.client.files.retrieve(f.id)).id, f.id);
  await ctx.client.files.delete(f.id);
});

test('store files: uploadAndPoll, createAndPoll with attributes and static chunking, filter, update, content, delete', async () => {
  const vs = await ctx.client.vectorStores.create({ name: 'files' });
  const a = conforms('VectorStoreFileObject', await ctx.client.vectorStores.files.uploadAndPoll(vs.id, await file('bees.md'), poll));
  assert.equal(a.status, 'completed');
  assert.equal(a.object, 'vector_store.file');
  assert.equal(a.last_error, null);
  assert.deepEqual(a.chunking_strategy, { type: 'static', static: { max_chunk_size_tokens: 800, chunk_overlap_tokens: 400 } });

  const up = await upload('bread.md');
  const strategy = { type: 'static', static: { max_chunk_size_tokens: 100, chunk_overlap_tokens: 50 } };
  const b = conforms('VectorStoreFileObject', await ctx.client.vectorStores.files.createAndPoll(vs.id, {
    file_id: up.id, attributes: { topic: 'food', year: 2021, vegan: true }, chunking_strategy: strategy,
  }, poll));
  assert.equal(b.id, up.id);
  assert.equal(b.status, 'completed');
  assert.deepEqual(b.chunking_strategy, strategy);
  assert.deepEqual(b.attributes, { topic: 'food', year: 2021, vegan: true });

  const completed = await collect(ctx.client.vectorStores.files.list(vs.id, { filter: 'completed' }));
  assert.deepEqual(completed.map((x) => x.id).sort(), [a.id, b.id].sort());
  assert.deepEqual(await collect(ctx.client.vectorStores.files.list(vs.id, { filter: 'failed' })), []);
  assert.deepEqual(await collect(ctx.client.vectorStores.files.list(vs.id, { filter: 'in_progress' })), []);

  const changed = conforms('VectorStoreFileObject', await ctx.client.vectorStores.files.update(b.id, { vector_store_id: vs.id, attributes: { topic: 'baking' } }));
  assert.deepEqual(changed.attributes, { topic: 'baking' });
  assert.deepEqual((await ctx.client.vectorStores.files.retrieve(b.id, { vector_store_id: vs.id })).attributes, { topic: 'baking' });

  const content = await ctx.client.vectorStores.files.content(b.id, { vector_store_id: vs.id });
  conforms('VectorStoreFileContentResponse', content.body);
  assert.equal(content.data.map((p) => p.text).join(''), docs['bread.md']);
  assert.ok(content.data.every((p) => p.type === 'text'));

  const removed = conforms('DeleteVectorStoreFileResponse', await ctx.client.vectorStores.files.delete(a.id, { vector_store_id: vs.id }));
  assert.deepEqual(removed, { id: a.id, object: 'vector_store.file.deleted', deleted: true });
  await rejectsWith(ctx.client.vectorStores.files.retrieve(a.id, { vector_store_id: vs.id }), NotFoundError);
  assert.equal((await ctx.client.files.retrieve(a.id)).id, a.id, 'removing it from the store deleted the file');
  assert.equal((await ctx.client.vectorStores.retrieve(vs.id)).file_counts.total, 1);
  await ctx.client.vectorStores.delete(vs.id);
});

test('file batches: uploadAndPoll completes 3 files; listFiles lists them', async () => {
  const vs = await ctx.client.vectorStores.create({ name: 'batch' });
  const names = ['bees.md', 'volcano.md', 'chess.md'];
  const batch = conforms('VectorStoreFileBatchObject', await ctx.client.vectorStores.fileBatches.uploadAndPoll(vs.id, {
    files: await Promise.all(names.map((n) => file(n))),
  }, poll));
  assert.match(batch.id, /^vsfb_/);
  assert.equal(batch.object, 'vector_store.files_batch');
  assert.equal(batch.status, 'completed');
  assert.equal(batch.vector_store_id, vs.id);
  assert.deepEqual(batch.file_counts, { in_progress: 0, completed: 3, failed: 0, cancelled: 0, total: 3 });

  const listed = await ctx.client.vectorStores.fileBatches.listFiles(batch.id, { vector_store_id: vs.id });
  conforms('ListVectorStoreFilesResponse', listed.body);
  assert.equal(listed.data.length, 3);
  assert.ok(listed.data.every((x) => x.status === 'completed'));
  const filenames = await Promise.all(listed.data.map(async (x) => (await ctx.client.files.retrieve(x.id)).filename));
  assert.deepEqual(filenames.sort(), [...names].sort());
  assert.deepEqual((await ctx.client.vectorStores.fileBatches.retrieve(batch.id, { vector_store_id: vs.id })).status, 'completed');
  await ctx.client.vectorStores.delete(vs.id);
});

test('file batches: cancel answers the batch; a cancelled batch leaves no file in progress', async (t) => {
  const vs = await ctx.client.vectorStores.create({ name: 'cancel' });
  const ids = [];
  for (let i = 0; i < 8; i++) ids.push((await upload(`c${i}.md`, `${docs['volcano.md']} Note number ${i}.`)).id);
  const created = await ctx.client.vectorStores.fileBatches.create(vs.id, { file_ids: ids });
  assert.equal(created.file_counts.total, 8);
  const cancelled = conforms('VectorStoreFileBatchObject', await ctx.client.vectorStores.fileBatches.cancel(created.id, { vector_store_id: vs.id }));
  assert.equal(cancelled.id, created.id);
  assert.equal(cancelled.object, 'vector_store.files_batch');
  const end = await waitFor(async () => {
    const b = await ctx.client.vectorStores.fileBatches.retrieve(created.id, { vector_store_id: vs.id });
    return ['cancelled', 'completed', 'failed'].includes(b.status) ? b : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100, what: 'the batch to end' });
  const files = await collect(ctx.client.vectorStores.fileBatches.listFiles(created.id, { vector_store_id: vs.id }));
  assert.equal(files.length, 8);
  t.diagnostic(`cancel answered ${cancelled.status}; the batch ended ${end.status} ${JSON.stringify(end.file_counts)}`);
  if (cancelled.status === 'completed') {
    assert.equal(end.status, 'completed');
    assert.ok(files.every((f) => f.status === 'completed'));
  } else {
    assert.ok(['cancelling', 'cancelled'].includes(cancelled.status), cancelled.status);
    assert.equal(end.status, 'cancelled');
    assert.ok(files.every((f) => f.status !== 'in_progress'), JSON.stringify(files.map((f) => f.status)));
    assert.equal(end.file_counts.in_progress, 0);
    assert.equal(end.file_counts.completed + end.file_counts.cancelled + end.file_counts.failed, 8);
    assert.ok(end.file_counts.cancelled > 0, JSON.stringify(end.file_counts));
    const store = await settled(vs.id);
    assert.equal(store.file_counts.in_progress, 0);
  }
  await ctx.client.vectorStores.delete(vs.id);
  for (const id of ids) await ctx.client.files.delete(id);
});

test('files that cannot be indexed end failed: unsupported_file, invalid_file; the store counts them', async () => {
  const vs = await ctx.client.vectorStores.create({ name: 'broken' });
  const bin = await ctx.client.vectorStores.files.uploadAndPoll(vs.id, await toFile(Buffer.from([0, 1, 2, 3, 255, 254, 0, 7]), 'x.bin'), poll);
  assert.equal(bin.status, 'failed');
  assert.equal(bin.last_error?.code, 'unsupported_file');
  assert.equal(typeof bin.last_error.message, 'string');
  conforms('VectorStoreFileObject', bin);
  const pdf = await ctx.client.vectorStores.files.uploadAndPoll(vs.id, await toFile(Buffer.from('%PDF-1.7\nthis is not really a PDF\n'), 'x.pdf'), poll);
  assert.equal(pdf.status, 'failed');
  assert.equal(pdf.last_error?.code, 'invalid_file');
  const good = await ctx.client.vectorStores.files.uploadAndPoll(vs.id, await file('chess.md'), poll);
  assert.equal(good.status, 'completed');

  const store = await settled(vs.id);
  assert.deepEqual(store.file_counts, { in_progress: 0, completed: 1, failed: 2, cancelled: 0, total: 3 });
  const failed = await collect(ctx.client.vectorStores.files.list(vs.id, { filter: 'failed' }));
  assert.deepEqual(failed.map((f) => f.id).sort(), [bin.id, pdf.id].sort());
  await ctx.client.vectorStores.delete(vs.id);
});

test('search: a paraphrased question finds its document first; max_num_results, score_threshold, filters', async () => {
  const attributes = {
    'bees.md': { topic: 'nature', year: 2020 },
    'volcano.md': { topic: 'nature', year: 2023 },
    'bread.md': { topic: 'food', year: 2022 },
    'chess.md': { topic: 'games', year: 2021 },
  };
  const vs = await ctx.client.vectorStores.create({ name: 'search' });
  const ids = {};
  for (const name of Object.keys(docs)) {
    const f = await upload(name);
    ids[name] = f.id;
    await ctx.client.vectorStores.files.create(vs.id, { file_id: f.id, attributes: attributes[name] });
  }
  await settled(vs.id);

  const page = await ctx.client.vectorStores.search(vs.id, { query: 'How do insects let each other know where to find nectar?' });
  const body = conforms('VectorStoreSearchResultsPage', page.body);
  assert.equal(body.object, 'vector_store.search_results.page');
  assert.deepEqual(body.search_query, ['How do insects let each other know where to find nectar?']);
  assert.ok(page.data.length >= 1);
  const [best] = page.data;
  assert.equal(best.file_id, ids['bees.md'], JSON.stringify(page.data.map((r) => [r.filename, r.score])));
  assert.equal(best.filename, 'bees.md');
  assert.deepEqual(best.attributes, attributes['bees.md']);
  assert.equal(best.content[0].type, 'text');
  assert.equal(best.content[0].text, docs['bees.md']);
  for (let i = 1; i < page.data.length; i++) assert.ok(page.data[i - 1].score >= page.data[i].score, 'not ordered by score');

  const molten = await ctx.client.vectorStores.search(vs.id, { query: 'why does molten rock come out of a mountain', max_num_results: 1 });
  assert.deepEqual(molten.data.map((r) => r.file_id), [ids['volcano.md']]);

  // score_threshold: between the best and the worst score, fewer results, all at or above it.
  const all = (await ctx.client.vectorStores.search(vs.id, { query: 'baking a loaf with wild yeast', max_num_results: 10, ranking_options: { score_threshold: 0 } })).data;
  assert.equal(all[0].file_id, ids['bread.md']);
  assert.ok(all.length >= 2, `only ${all.length} results`);
  assert.ok(all[0].score > all.at(-1).score, JSON.stringify(all.map((r) => r.score)));
  const threshold = (all[0].score + all.at(-1).score) / 2;
  const high = (await ctx.client.vectorStores.search(vs.id, { query: 'baking a loaf with wild yeast', max_num_results: 10, ranking_options: { score_threshold: threshold } })).data;
  assert.ok(high.length >= 1 && high.length < all.length, `${high.length} of ${all.length} at ${threshold}`);
  assert.ok(high.every((r) => r.score >= threshold));
  assert.equal(high[0].file_id, ids['bread.md']);

  // Attribute filters: eq, and a compound and.
  const eq = (await ctx.client.vectorStores.search(vs.id, { query: 'waggle dance of the honeybees', filters: { type: 'eq', key: 'topic', value: 'food' } })).data;
  assert.deepEqual([...new Set(eq.map((r) => r.file_id))], [ids['bread.md']]);
  const and = (await ctx.client.vectorStores.search(vs.id, {
    query: 'waggle dance of the honeybees',
    filters: { type: 'and', filters: [{ type: 'eq', key: 'topic', value: 'nature' }, { type: 'gte', key: 'year', value: 2021 }] },
  })).data;
  assert.deepEqual([...new Set(and.map((r) => r.file_id))], [ids['volcano.md']]);
  const none = (await ctx.client.vectorStores.search(vs.id, { query: 'anything', filters: { type: 'eq', key: 'topic', value: 'music' } })).data;
  assert.deepEqual(none, []);

  // Deleting a file (Files API) removes it from the store: gone from the store's files and from search.
  await ctx.client.files.delete(ids['bees.md']);
  await rejectsWith(ctx.client.vectorStores.files.retrieve(ids['bees.md'], { vector_store_id: vs.id }), NotFoundError);
  const after = (await ctx.client.vectorStores.search(vs.id, { query: 'How do insects let each other know where to find nectar?', ranking_options: { score_threshold: 0 } })).data;
  assert.ok(!after.some((r) => r.file_id === ids['bees.md']), 'a deleted file is still found');
  assert.equal((await ctx.client.vectorStores.retrieve(vs.id)).file_counts.total, 3);

  await ctx.client.vectorStores.delete(vs.id);
  await rejectsWith(ctx.client.vectorStores.retrieve(vs.id), NotFoundError);
  for (const name of ['volcano.md', 'bread.md', 'chess.md']) await ctx.client.files.delete(ids[name]);
});

test('validation: chunking bounds (400 with the param), an unknown file id (404)', async () => {
  const f = await upload('chess.md');
  const staticOf = (max, overlap) => ({ type: 'static', static: { max_chunk_size_tokens: max, chunk_overlap_tokens: overlap } });
  await rejectsWith(ctx.client.vectorStores.create({ file_ids: [f.id], chunking_strategy: staticOf(50, 0) }), BadRequestError, 'chunking_strategy.static.max_chunk_size_tokens');
  await rejectsWith(ctx.client.vectorStores.create({ file_ids: [f.id], chunking_strategy: staticOf(5000, 0) }), BadRequestError, 'chunking_strategy.static.max_chunk_size_tokens');
  await rejectsWith(ctx.client.vectorStores.create({ file_ids: [f.id], chunking_strategy: staticOf(200, 101) }), BadRequestError, 'chunking_strategy.static.chunk_overlap_tokens');
  await rejectsWith(ctx.client.vectorStores.create({ file_ids: ['file-doesnotexist'] }), NotFoundError);

  const vs = await ctx.client.vectorStores.create({ name: 'validation' });
  await rejectsWith(ctx.client.vectorStores.files.create(vs.id, { file_id: f.id, chunking_strategy: staticOf(99, 0) }), BadRequestError, 'chunking_strategy.static.max_chunk_size_tokens');
  await rejectsWith(ctx.client.vectorStores.files.create(vs.id, { file_id: 'file-doesnotexist' }), NotFoundError);
  await rejectsWith(ctx.client.vectorStores.files.create('vs_doesnotexist', { file_id: f.id }), NotFoundError);
  await rejectsWith(ctx.client.vectorStores.search(vs.id, { query: 'x', max_num_results: 51 }), BadRequestError, 'max_num_results');
  // Nothing was added by the refused requests.
  assert.equal((await ctx.client.vectorStores.retrieve(vs.id)).file_counts.total, 0);
  // An exactly-half overlap and the bounds themselves are taken.
  const ok = await ctx.client.vectorStores.files.createAndPoll(vs.id, { file_id: f.id, chunking_strategy: staticOf(100, 50) }, poll);
  assert.equal(ok.status, 'completed');
  await ctx.client.vectorStores.delete(vs.id);
  await ctx.client.files.delete(f.id);
});

test('a refused file_ids list (one unknown id, 404) adds nothing: no store, no store file, no batch', async () => {
  // Bug: VectorStoreService.AddAsync returns its NotFound from inside store.WriteAsync, which commits what was
  // written before it (the store or batch row, the files before the unknown one); nothing wakes the indexer either.
  const f = await upload('chess.md');
  const name = `partial-${Date.now()}`;
  await rejectsWith(ctx.client.vectorStores.create({ name, file_ids: [f.id, 'file-doesnotexist'] }), NotFoundError);
  const stores = await collect(ctx.client.vectorStores.list({ limit: 100 }));
  assert.deepEqual(stores.filter((s) => s.name === name).map((s) => [s.id, s.file_counts.total]), [], 'the refused create left a store');

  const vs = await ctx.client.vectorStores.create({ name: 'batch-partial' });
  await rejectsWith(ctx.client.vectorStores.fileBatches.create(vs.id, { file_ids: [f.id, 'file-doesnotexist'] }), NotFoundError);
  assert.deepEqual((await ctx.client.vectorStores.files.list(vs.id)).data.map((x) => [x.id, x.status]), [], 'the refused batch attached a file');
  assert.equal((await ctx.client.vectorStores.retrieve(vs.id)).file_counts.total, 0);
  await ctx.client.vectorStores.delete(vs.id);
});
