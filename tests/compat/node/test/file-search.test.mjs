// The file_search tool in runs (openai 6.x): upload, index, an assistant with the tool and a vector store, and the
// built-in echo model's `search:<query>`, which calls file_search and answers with the best result's text and a
// file_citation. Checked: the run, its tool_calls step (ranking_options, results; content only with include[]),
// the message's text and annotation offsets, `no results`, the stream's step events, message attachments into the
// thread's own store, the tool_resources vector_stores helper, and that one project can't reach another's files.
// Files and vector stores are not in the spec Prism proxies: the file runs directly.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { useServer, collect, waitFor, recorder } from '../lib/harness.mjs';
import { startThreadline } from '../lib/server.mjs';
import { NotFoundError } from '../lib/sdk.mjs';
import { conforms, notV6, directOnly } from '../lib/files-spec.mjs';

const { toFile } = await import(process.env.OPENAI_PACKAGE ?? 'openai');

const ctx = useServer({ directOnly });
const test = (name, fn, options = {}) => ctx.test(name, fn, { skip: notV6, timeout: 60_000, ...options });
const poll = { pollIntervalMs: 50 };
const INCLUDE_CONTENT = 'step_details.tool_calls[*].file_search.results[*].content';

const passages = {
  'tides.md': 'The tides are caused mainly by the gravitational pull of the Moon on the oceans of the Earth.',
  'kiln.md': 'Clay pots are fired in a kiln at temperatures above one thousand degrees Celsius to harden them.',
};

const upload = async (client, name, text = passages[name]) =>
  client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'assistants' });

/** A store holding the given files, indexed. */
async function storeWith(client, fileIds) {
  const vs = await client.vectorStores.create({ name: 'fs', file_ids: fileIds });
  return waitFor(async () => {
    const s = await client.vectorStores.retrieve(vs.id);
    return s.status === 'completed' && s.file_counts.in_progress === 0 ? s : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100, what: `store ${vs.id} indexed` });
}

/** The one text content of the run's assistant message. */
async function replyOf(threadId, runId) {
  const msgs = (await ctx.client.beta.threads.messages.list(threadId, { run_id: runId })).data;
  assert.equal(msgs.length, 1, JSON.stringify(msgs));
  assert.equal(msgs[0].role, 'assistant');
  return msgs[0].content[0].text;
}

function assertCitation(text, passage, name, fileId) {
  const marker = `【0†${name}】`;
  assert.equal(text.value, `${passage} ${marker}`);
  assert.equal(text.annotations.length, 1, JSON.stringify(text.annotations));
  const [a] = text.annotations;
  assert.equal(a.type, 'file_citation');
  assert.equal(a.text, marker);
  assert.equal(text.value.slice(a.start_index, a.end_index), marker);
  assert.equal(a.end_index - a.start_index, marker.length);
  assert.equal(a.file_citation.file_id, fileId);
}

test('a run with file_search: the tool_calls step, its results (content on include[]), the cited answer', async () => {
  const f = await upload(ctx.client, 'tides.md');
  const other = await upload(ctx.client, 'kiln.md');
  const vs = await storeWith(ctx.client, [f.id, other.id]);
  const assistant = await ctx.client.beta.assistants.create({
    model: 'echo', tools: [{ type: 'file_search' }], tool_resources: { file_search: { vector_store_ids: [vs.id] } },
  });
  assert.deepEqual(assistant.tool_resources.file_search.vector_store_ids, [vs.id]);
  const run = await ctx.client.beta.threads.createAndRunPoll({
    assistant_id: assistant.id,
    thread: { messages: [{ role: 'user', content: 'search:what makes the sea rise and fall each day' }] },
  }, poll);
  assert.equal(run.status, 'completed', JSON.stringify(run.last_error));

  const steps = await collect(ctx.client.beta.threads.runs.steps.list(run.id, { thread_id: run.thread_id, order: 'asc', include: [INCLUDE_CONTENT] }));
  assert.deepEqual(steps.map((s) => [s.type, s.status]), [['tool_calls', 'completed'], ['message_creation', 'completed']]);
  const calls = steps[0].step_details.tool_calls;
  assert.equal(calls.length, 1);
  const [call] = calls;
  assert.equal(call.type, 'file_search');
  assert.equal(typeof call.id, 'string');
  assert.equal(typeof call.file_search.ranking_options?.ranker, 'string');
  assert.equal(typeof call.file_search.ranking_options?.score_threshold, 'number');
  const results = call.file_search.results;
  assert.ok(results.length >= 1);
  assert.equal(results[0].file_id, f.id, JSON.stringify(results.map((r) => [r.file_name, r.score])));
  assert.equal(results[0].file_name, 'tides.md');
  assert.equal(typeof results[0].score, 'number');
  assert.equal(results[0].content?.[0]?.type, 'text');
  assert.ok(results[0].content[0].text.includes('gravitational pull of the Moon'), JSON.stringify(results[0].content));
  assert.equal(steps[1].step_details.message_creation.message_id !== undefined, true);

  // Without include[], the results carry no content.
  const plain = await ctx.client.beta.threads.runs.steps.retrieve(steps[0].id, { thread_id: run.thread_id, run_id: run.id });
  assert.ok(plain.step_details.tool_calls[0].file_search.results.length >= 1);
  assert.ok(plain.step_details.tool_calls[0].file_search.results.every((r) => r.content === undefined), JSON.stringify(plain.step_details));
  const listedPlain = (await ctx.client.beta.threads.runs.steps.list(run.id, { thread_id: run.thread_id })).data.find((s) => s.type === 'tool_calls');
  assert.ok(listedPlain.step_details.tool_calls[0].file_search.results.every((r) => r.content === undefined));
  // retrieve with include[] has it too.
  const withContent = await ctx.client.beta.threads.runs.steps.retrieve(steps[0].id, { thread_id: run.thread_id, run_id: run.id, include: [INCLUDE_CONTENT] });
  assert.ok(withContent.step_details.tool_calls[0].file_search.results[0].content[0].text.includes('Moon'));

  assertCitation(await replyOf(run.thread_id, run.id), passages['tides.md'], 'tides.md', f.id);
});

test('no store: a run with file_search and no vector store answers "no results"', async () => {
  const bare = await ctx.client.beta.assistants.create({ model: 'echo', tools: [{ type: 'file_search' }] });
  const run = await ctx.client.beta.threads.createAndRunPoll({ assistant_id: bare.id, thread: { messages: [{ role: 'user', content: 'search:the tides' }] } }, poll);
  assert.equal(run.status, 'completed', JSON.stringify(run.last_error));
  const text = await replyOf(run.thread_id, run.id);
  assert.equal(text.value, 'no results');
  assert.deepEqual(text.annotations, []);
});

test('an empty store: search answers no data, a run answers "no results"', async () => {
  // Bug: a store with no chunks has a vector index of 1 dimension; VectorIndex.Top throws
  // "Expected 1 dimensions, got 384" for the 384-dimension query: /search answers 500, a run fails (server_error).
  const empty = await ctx.client.vectorStores.create({ name: 'empty' });
  const found = await ctx.client.vectorStores.search(empty.id, { query: 'the tides' });
  assert.deepEqual(found.data, []);
  const a = await ctx.client.beta.assistants.create({
    model: 'echo', tools: [{ type: 'file_search' }], tool_resources: { file_search: { vector_store_ids: [empty.id] } },
  });
  const run = await ctx.client.beta.threads.createAndRunPoll({ assistant_id: a.id, thread: { messages: [{ role: 'user', content: 'search:the tides' }] } }, poll);
  assert.equal(run.status, 'completed', JSON.stringify(run.last_error));
  const text = await replyOf(run.thread_id, run.id);
  assert.equal(text.value, 'no results');
  const steps = await collect(ctx.client.beta.threads.runs.steps.list(run.id, { thread_id: run.thread_id }));
  assert.deepEqual(steps.find((s) => s.type === 'tool_calls').step_details.tool_calls[0].file_search.results, []);
});

test('streaming: the tool_calls step is created and completed before the message', async () => {
  const f = await upload(ctx.client, 'kiln.md');
  const vs = await storeWith(ctx.client, [f.id]);
  const a = await ctx.client.beta.assistants.create({
    model: 'echo', tools: [{ type: 'file_search' }], tool_resources: { file_search: { vector_store_ids: [vs.id] } },
  });
  const thread = await ctx.client.beta.threads.create({ messages: [{ role: 'user', content: 'search:how is pottery hardened' }] });
  const events = [];
  const stream = ctx.client.beta.threads.runs.stream(thread.id, { assistant_id: a.id });
  for await (const ev of stream) {
    const type = ev.event.startsWith('thread.run.step.') ? `${ev.event}:${ev.data.type}` : ev.event;
    events.push(type);
  }
  const at = (e) => events.indexOf(e);
  assert.ok(at('thread.run.step.created:tool_calls') >= 0, events.join(', '));
  assert.ok(at('thread.run.step.completed:tool_calls') > at('thread.run.step.created:tool_calls'), events.join(', '));
  assert.ok(at('thread.message.created') > at('thread.run.step.completed:tool_calls'), events.join(', '));
  assert.ok(at('thread.run.completed') > at('thread.message.completed'), events.join(', '));
  const run = stream.currentRun();
  assertCitation(await replyOf(thread.id, run.id), passages['kiln.md'], 'kiln.md', f.id);
});

test('message attachments with file_search go into the thread\'s own store; a run then cites the file', async () => {
  const f = await upload(ctx.client, 'tides.md');
  const a = await ctx.client.beta.assistants.create({ model: 'echo', tools: [{ type: 'file_search' }] });
  const thread = await ctx.client.beta.threads.create({
    messages: [{ role: 'user', content: 'here is a file', attachments: [{ file_id: f.id, tools: [{ type: 'file_search' }] }] }],
  });
  const ids = (await ctx.client.beta.threads.retrieve(thread.id)).tool_resources?.file_search?.vector_store_ids;
  assert.equal(ids?.length, 1, JSON.stringify(thread.tool_resources));
  const vs = await waitFor(async () => {
    const s = await ctx.client.vectorStores.retrieve(ids[0]);
    return s.file_counts.completed === 1 ? s : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100, what: 'the thread store to index the attachment' });
  conforms('VectorStoreObject', vs);
  assert.deepEqual((await ctx.client.vectorStores.files.list(vs.id)).data.map((x) => x.id), [f.id]);

  await ctx.client.beta.threads.messages.create(thread.id, { role: 'user', content: 'search:what pulls the ocean water' });
  const run = await ctx.client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: a.id }, poll);
  assert.equal(run.status, 'completed');
  assertCitation(await replyOf(thread.id, run.id), passages['tides.md'], 'tides.md', f.id);
});

test('threads.create with file_search attachments answers the thread with its new store in tool_resources', async () => {
  // Bug: the create answer is the thread as it was before the attachment made its store (tool_resources null);
  // a retrieve right after names the store.
  const f = await upload(ctx.client, 'kiln.md');
  const thread = await ctx.client.beta.threads.create({
    messages: [{ role: 'user', content: 'a file', attachments: [{ file_id: f.id, tools: [{ type: 'file_search' }] }] }],
  });
  const retrieved = await ctx.client.beta.threads.retrieve(thread.id);
  assert.equal(retrieved.tool_resources.file_search.vector_store_ids.length, 1);
  assert.deepEqual(thread.tool_resources, retrieved.tool_resources);
});

test('tool_resources.file_search.vector_stores on assistant creation makes a store, answered as vector_store_ids', async () => {
  const f = await upload(ctx.client, 'kiln.md');
  const a = await ctx.client.beta.assistants.create({
    model: 'echo', tools: [{ type: 'file_search' }], tool_resources: { file_search: { vector_stores: [{ file_ids: [f.id] }] } },
  });
  const ids = a.tool_resources.file_search.vector_store_ids;
  assert.equal(ids?.length, 1, JSON.stringify(a.tool_resources));
  assert.equal(a.tool_resources.file_search.vector_stores, undefined);
  const vs = await ctx.client.vectorStores.retrieve(ids[0]);
  assert.equal(vs.id, ids[0]);
  await waitFor(async () => (await ctx.client.vectorStores.retrieve(ids[0])).file_counts.completed === 1, { timeoutMs: 30_000, intervalMs: 100, what: 'the helper store indexed' });
  assert.deepEqual((await ctx.client.vectorStores.files.list(ids[0])).data.map((x) => x.id), [f.id]);
  assert.deepEqual((await ctx.client.beta.assistants.retrieve(a.id)).tool_resources.file_search.vector_store_ids, ids);

  const run = await ctx.client.beta.threads.createAndRunPoll({ assistant_id: a.id, thread: { messages: [{ role: 'user', content: 'search:firing clay in an oven' }] } }, poll);
  assert.equal(run.status, 'completed');
  assertCitation(await replyOf(run.thread_id, run.id), passages['kiln.md'], 'kiln.md', f.id);
});

test('projects: project B cannot see or attach project A\'s files and stores', async () => {
  const server = await startThreadline({
    prism: false,
    args: {
      'Threadline:ApiKeys:0:Key': 'key-project-a', 'Threadline:ApiKeys:0:Project': 'proj_a',
      'Threadline:ApiKeys:1:Key': 'key-project-b', 'Threadline:ApiKeys:1:Project': 'proj_b',
    },
  });
  try {
    const make = (apiKey) => new OpenAI({ apiKey, baseURL: server.baseURL, maxRetries: 0, timeout: 20_000, fetch: recorder.fetch });
    const A = make('key-project-a');
    const B = make('key-project-b');
    const f = await upload(A, 'tides.md');
    const vs = await storeWith(A, [f.id]);

    const notFound = (p) => assert.rejects(p, (e) => {
      assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
      return true;
    });
    await notFound(B.files.retrieve(f.id));
    await notFound(B.files.content(f.id));
    await notFound(B.files.delete(f.id));
    await notFound(B.vectorStores.retrieve(vs.id));
    await notFound(B.vectorStores.search(vs.id, { query: 'tides' }));
    await notFound(B.vectorStores.files.retrieve(f.id, { vector_store_id: vs.id }));
    await notFound(B.vectorStores.create({ file_ids: [f.id] }));
    const own = await B.vectorStores.create({ name: 'b' });
    await notFound(B.vectorStores.files.create(own.id, { file_id: f.id }));
    assert.deepEqual((await B.files.list()).data, []);
    // The refused create left nothing behind: B has only the store it made.
    const bStores = (await B.vectorStores.list()).data;
    assert.deepEqual(bStores.map((s) => s.id), [own.id]);
    for (const s of bStores) assert.ok(!(await B.vectorStores.files.list(s.id)).data.some((x) => x.id === f.id), `A's file in B's store ${s.id}`);

    // An attachment of A's file on B's thread puts nothing in any store of B's (the server takes the thread and
    // skips the file it can't see), and B's assistant naming A's store finds nothing in it.
    const t = await B.beta.threads.create({ messages: [{ role: 'user', content: 'x', attachments: [{ file_id: f.id, tools: [{ type: 'file_search' }] }] }] });
    for (const id of (await B.beta.threads.retrieve(t.id)).tool_resources?.file_search?.vector_store_ids ?? []) {
      assert.deepEqual((await B.vectorStores.files.list(id)).data, [], 'A\'s file was attached to B\'s thread store');
    }
    const peeking = await B.beta.assistants.create({ model: 'echo', tools: [{ type: 'file_search' }], tool_resources: { file_search: { vector_store_ids: [vs.id] } } });
    const run = await B.beta.threads.createAndRunPoll({ assistant_id: peeking.id, thread: { messages: [{ role: 'user', content: 'search:what causes the tides' }] } }, poll);
    assert.equal(run.status, 'completed', JSON.stringify(run.last_error));
    const reply = (await B.beta.threads.messages.list(run.thread_id, { run_id: run.id })).data[0].content[0].text.value;
    assert.equal(reply, 'no results', 'B read A\'s store');
    // A still has everything.
    assert.equal((await A.files.retrieve(f.id)).id, f.id);
    assert.equal((await A.vectorStores.retrieve(vs.id)).file_counts.completed, 1);
  } finally {
    await server.stop();
  }
}, { timeout: 90_000 });
