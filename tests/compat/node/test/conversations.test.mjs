// client.conversations and client.conversations.items (openai 6.x; 4.x has no such resource): create with items,
// retrieve, update, delete; items create, list (both orders, auto-pagination), retrieve, delete. Every body is
// checked against the Responses and Conversations spec's schema for its operation. A conversation is a thread: what
// one API writes the other reads, a run through the Assistants API included.
import assert from 'node:assert/strict';
import { useServer, collect } from '../lib/harness.mjs';
import { NotFoundError, BadRequestError, noConversations } from '../lib/sdk.mjs';
import { validateResponsesSchema } from '../lib/responses-spec.mjs';

const ctx = useServer();
const test = (name, fn, { directOnly } = {}) => ctx.test(name, fn, { skip: noConversations, directOnly });

/** The value, after checking it against the spec's schema `name`. */
function conforms(name, value) {
  assert.deepEqual(validateResponsesSchema(name, value), [], `${name}: ${JSON.stringify(value)}`);
  return value;
}

const text = (item) => item.content.map((c) => c.text).join('|');

test('create a conversation with items and metadata, retrieve, update and delete it', async () => {
  const c = ctx.client.conversations;
  const conv = conforms('ConversationResource', await c.create({
    metadata: { topic: 'demo' },
    items: [
      { type: 'message', role: 'user', content: 'Hello!' },
      { role: 'developer', content: [{ type: 'input_text', text: 'Answer briefly.' }] },
    ],
  }));
  assert.match(conv.id, /^conv_[A-Za-z0-9]{24}$/);
  assert.equal(conv.object, 'conversation');
  assert.deepEqual(conv.metadata, { topic: 'demo' });
  assert.ok(Math.abs(conv.created_at - Date.now() / 1000) < 60);

  assert.deepEqual(await c.retrieve(conv.id), conv);
  const updated = conforms('ConversationResource', await c.update(conv.id, { metadata: { topic: 'project-x' } }));
  assert.deepEqual(updated, { ...conv, metadata: { topic: 'project-x' } });

  const items = await collect(c.items.list(conv.id, { order: 'asc' }));
  for (const item of items) conforms('ConversationItem', item);
  assert.deepEqual(items.map((i) => [i.type, i.role, i.status, text(i)]),
    [['message', 'user', 'completed', 'Hello!'], ['message', 'developer', 'completed', 'Answer briefly.']]);

  const deleted = conforms('DeletedConversationResource', await c.delete(conv.id));
  assert.deepEqual(deleted, { id: conv.id, object: 'conversation.deleted', deleted: true });
  await assert.rejects(c.retrieve(conv.id), (e) => {
    assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
    assert.equal(e.error?.message, `No conversation found with id '${conv.id}'.`);
    return true;
  });
});

test('items: create up to 20 at once, list in both orders page by page, retrieve, delete', async () => {
  const c = ctx.client.conversations;
  const conv = await c.create();
  const added = conforms('ConversationItemList', await c.items.create(conv.id, {
    items: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'one' }, { type: 'input_text', text: 'two' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'three', annotations: [] }] },
      { role: 'user', content: [{ type: 'input_image', image_url: 'https://example.com/a.png', detail: 'low' }] },
    ],
  }));
  assert.equal(added.object, 'list');
  assert.equal(added.has_more, false);
  assert.deepEqual(added.data.map((i) => i.role), ['user', 'assistant', 'user']);
  assert.equal(added.first_id, added.data[0].id);
  assert.equal(added.last_id, added.data[2].id);
  assert.deepEqual(added.data[0].content, [{ type: 'input_text', text: 'one' }, { type: 'input_text', text: 'two' }]);
  assert.deepEqual(added.data[1].content, [{ type: 'output_text', text: 'three', annotations: [], logprobs: [] }]);
  assert.deepEqual(added.data[2].content, [{ type: 'input_image', detail: 'low', file_id: null, image_url: 'https://example.com/a.png' }]);

  const more = [];
  for (let i = 0; i < 20; i++) more.push({ role: 'user', content: `m${i}` });
  const twenty = await c.items.create(conv.id, { items: more });
  const ids = [...added.data, ...twenty.data].map((i) => i.id);

  // The default order is newest first, as hosted; `after` walks on.
  const desc = await collect(c.items.list(conv.id, { limit: 5 }));
  assert.deepEqual(desc.map((i) => i.id), [...ids].reverse());
  const asc = await collect(c.items.list(conv.id, { limit: 7, order: 'asc' }));
  assert.deepEqual(asc.map((i) => i.id), ids);
  // The page as sent (the SDK's page object keeps only what it pages by).
  const first = conforms('ConversationItemList', await ctx.client.get(`/conversations/${conv.id}/items`, { query: { limit: 5, order: 'asc' } }));
  assert.deepEqual([first.first_id, first.last_id, first.has_more], [ids[0], ids[4], true]);

  const one = conforms('ConversationItem', await c.items.retrieve(ids[1], { conversation_id: conv.id }));
  assert.deepEqual(one, added.data[1]);
  const after = conforms('ConversationResource', await c.items.delete(ids[1], { conversation_id: conv.id }));
  assert.equal(after.id, conv.id);
  await assert.rejects(c.items.retrieve(ids[1], { conversation_id: conv.id }), (e) => {
    assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
    assert.equal(e.error?.message, `No item found with id '${ids[1]}'.`);
    return true;
  });
  assert.equal((await collect(c.items.list(conv.id, { limit: 100 }))).length, ids.length - 1);
}, { directOnly: 'it sends an assistant output_text item without id and status, as the hosted API took it; the spec\'s OutputMessage requires both' });

test('one conversation state, two APIs: items are the thread\'s messages, a run\'s reply is an output_text item', async () => {
  const conv = await ctx.client.conversations.create({ items: [{ role: 'user', content: 'from the Conversations API' }] });
  // The conversation through the Assistants API.
  const thread = await ctx.api.threads.retrieve(conv.id);
  assert.equal(thread.id, conv.id);
  await ctx.api.messages.create(conv.id, { role: 'user', content: 'from the Assistants API' });
  const messages = await collect(ctx.api.messages.list(conv.id, { order: 'asc' }));
  assert.deepEqual(messages.map((m) => m.content[0].text.value), ['from the Conversations API', 'from the Assistants API']);

  const assistant = await ctx.api.assistants.create({ model: 'echo' });
  const run = await ctx.client.beta.threads.runs.createAndPoll(conv.id, { assistant_id: assistant.id });
  assert.equal(run.status, 'completed');
  const items = await collect(ctx.client.conversations.items.list(conv.id, { order: 'asc' }));
  for (const item of items) conforms('ConversationItem', item);
  assert.deepEqual(items.map((i) => i.id), [...messages.map((m) => m.id), items[2].id]);
  assert.equal(items[2].role, 'assistant');
  assert.equal(items[2].content[0].type, 'output_text');
  const reply = (await collect(ctx.api.messages.list(conv.id, { order: 'asc' })))[2];
  assert.equal(items[2].id, reply.id);
  assert.equal(items[2].content[0].text, reply.content[0].text.value);

  // And a thread made through the Assistants API is a conversation.
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'hi' }], metadata: { k: 'v' } });
  const asConversation = conforms('ConversationResource', await ctx.client.conversations.retrieve(t.id));
  assert.deepEqual(asConversation, { id: t.id, object: 'conversation', created_at: t.created_at, metadata: { k: 'v' } });
  assert.deepEqual((await collect(ctx.client.conversations.items.list(t.id))).map(text), ['hi']);
});

test('bad items answer 400 in the envelope, and nothing of the call is kept', async () => {
  const c = ctx.client.conversations;
  const conv = await c.create({ items: [{ role: 'user', content: 'kept' }] });
  const cases = [
    [{ items: Array.from({ length: 21 }, () => ({ role: 'user', content: 'x' })) }, 'items', 'array_above_max_length'],
    [{ items: [] }, 'items', 'empty_array'],
    [{ items: [{ role: 'user', content: 'ok' }, { type: 'reasoning', summary: [] }] }, 'items[1].type', 'invalid_value'],
    [{ items: [{ type: 'function_call_output', call_id: 'c' }] }, 'items[0].output', 'missing_required_parameter'],
    [{ items: [{ type: 'function_call', call_id: 'c', name: 'f' }] }, 'items[0].arguments', 'missing_required_parameter'],
    [{ items: [{ role: 'tool', content: 'x' }] }, 'items[0].role', 'invalid_value'],
    [{ items: [{ role: 'user', content: [{ type: 'input_audio', input_audio: {} }] }] }, 'items[0].content[0].type', 'invalid_value'],
    [{ items: [{ role: 'user' }] }, 'items[0].content', 'missing_required_parameter'],
  ];
  for (const [body, param, code] of cases) {
    await assert.rejects(c.items.create(conv.id, body), (e) => {
      assert.ok(e instanceof BadRequestError, `expected BadRequestError for ${JSON.stringify(body).slice(0, 80)}, got ${e}`);
      assert.equal(e.param, param);
      assert.equal(e.code, code);
      return true;
    });
  }
  await assert.rejects(c.items.create('conv_missing', { items: [{ role: 'user', content: 'x' }] }), NotFoundError);
  assert.deepEqual((await collect(c.items.list(conv.id))).map(text), ['kept']);
}, { directOnly: 'the requests are invalid on purpose (Prism answers 422 itself)' });
