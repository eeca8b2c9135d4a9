// client.responses (openai 6.x) beyond the message turn: function tools (a response ends with its function_call
// items; the client answers with a function_call_output in a new response), input_items, delete, a background
// stream followed again with starting_after, and one conversation continued through both APIs. Bodies are checked
// against the Responses spec (`Response`, `ConversationItem`); the harness checks every stream event against
// `ResponseStreamEvent`, and Prism the non-streamed exchanges (run.sh).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useServer, collect } from '../lib/harness.mjs';
import { BadRequestError, NotFoundError, noConversations } from '../lib/sdk.mjs';
import { validateResponsesSchema } from '../lib/responses-spec.mjs';

const ctx = useServer();
const test = (name, fn, { directOnly } = {}) => ctx.test(name, fn, { skip: noConversations, directOnly });

function conforms(schema, value) {
  assert.deepEqual(validateResponsesSchema(schema, value), [], JSON.stringify(value));
  return value;
}

const weather = {
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
};

const kinds = (items) => items.map((i) => (i.type === 'message' ? `${i.role}:${i.content.map((c) => c.text).join('')}` : i.type));

test('function tools: a response ends with its function_call; the output, sent in a new response, is answered', async () => {
  const asked = conforms('Response', await ctx.client.responses.create({ model: 'echo', input: 'call:get_weather {"city":"Paris"}', tools: [weather] }));
  assert.equal(asked.status, 'completed');
  assert.equal(asked.output.length, 1);
  const [call] = asked.output;
  assert.equal(call.type, 'function_call');
  assert.match(call.id, /^fc_/);
  assert.match(call.call_id, /^call_/);
  assert.deepEqual([call.name, JSON.parse(call.arguments), call.status], ['get_weather', { city: 'Paris' }, 'completed']);
  assert.deepEqual(asked.tools, [weather]);
  assert.equal(asked.tool_choice, 'auto');

  const answered = conforms('Response', await ctx.client.responses.create({
    model: 'echo', previous_response_id: asked.id, tools: [weather],
    input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' }],
  }));
  assert.equal(answered.output_text, 'get_weather returned: sunny, 21 C');

  // An output for a call the conversation never had is refused, as hosted.
  await assert.rejects(ctx.client.responses.create({
    model: 'echo', previous_response_id: asked.id, input: [{ type: 'function_call_output', call_id: 'call_unknown', output: 'x' }],
  }), (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.equal(e.error?.message, 'No tool call found for function call output with call_id call_unknown.');
    assert.equal(e.param, 'input');
    return true;
  });
  const bad = [
    [{ tools: [{ type: 'web_search' }] }, 'tools[0].type', 'invalid_value'],
    [{ tools: [{ type: 'function', name: 'bad name' }] }, 'tools[0].name', 'invalid_value'],
    [{ tools: [weather], tool_choice: { type: 'function', name: 'other' } }, 'tool_choice', 'invalid_value'],
    [{ tools: [weather], tool_choice: 'sometimes' }, 'tool_choice', 'invalid_value'],
  ];
  for (const [extra, param, code] of bad) {
    await assert.rejects(ctx.client.responses.create({ model: 'echo', input: 'x', ...extra }), (e) => {
      assert.ok(e instanceof BadRequestError, `expected BadRequestError for ${JSON.stringify(extra)}, got ${e}`);
      assert.deepEqual([e.param, e.code], [param, code], JSON.stringify(extra));
      return true;
    });
  }
}, { directOnly: 'it sends invalid requests on purpose (Prism answers 422 itself)' });

test('function calls on a conversation are its items, in order; the Assistants API lists only the messages', async () => {
  const conv = await ctx.client.conversations.create();
  const asked = await ctx.client.responses.create({ model: 'echo', input: 'call:get_weather {"city":"Oslo"}', tools: [weather], conversation: conv.id });
  const [call] = asked.output;
  const answered = await ctx.client.responses.create({
    model: 'echo', conversation: conv.id, tools: [weather],
    input: [{ type: 'function_call_output', call_id: call.call_id, output: 'snow' }],
  });
  assert.equal(answered.output_text, 'get_weather returned: snow');

  const items = await collect(ctx.client.conversations.items.list(conv.id, { order: 'asc' }));
  for (const item of items) conforms('ConversationItem', item);
  assert.deepEqual(kinds(items), ['user:call:get_weather {"city":"Oslo"}', 'function_call', 'function_call_output', 'assistant:get_weather returned: snow']);
  assert.deepEqual([items[1].id, items[1].call_id], [call.id, call.call_id]);
  assert.deepEqual([items[2].call_id, items[2].output], [call.call_id, 'snow']);
  const one = conforms('ConversationItem', await ctx.client.conversations.items.retrieve(call.id, { conversation_id: conv.id }));
  assert.equal(one.name, 'get_weather');

  const messages = await collect(ctx.api.messages.list(conv.id, { order: 'asc' }));
  assert.deepEqual(messages.map((m) => `${m.role}:${m.content[0].text.value}`), ['user:call:get_weather {"city":"Oslo"}', 'assistant:get_weather returned: snow']);

  // Items written by the client carry calls too: a conversation's history can be given whole.
  const given = await ctx.client.conversations.create({
    items: [
      { type: 'message', role: 'user', content: 'weather?' },
      { type: 'function_call', call_id: 'call_given', name: 'get_weather', arguments: '{"city":"Rome"}' },
      { type: 'function_call_output', call_id: 'call_given', output: 'hot' },
    ],
  });
  const next = await ctx.client.responses.create({ model: 'echo', conversation: given.id, input: [{ type: 'function_call_output', call_id: 'call_given', output: 'still hot' }] });
  assert.equal(next.output_text, 'get_weather returned: hot\nget_weather returned: still hot');
});

test('a streamed function call: output_item.added, function_call_arguments.delta and .done, output_item.done; the helper builds it', async () => {
  const stream = await ctx.client.responses.create({ model: 'echo', input: 'call:get_weather {"city":"Lima"}', tools: [weather], stream: true });
  const events = [];
  for await (const e of stream) events.push(e);
  assert.deepEqual(events.map((e) => e.type), [
    'response.created', 'response.in_progress', 'response.output_item.added', 'response.function_call_arguments.delta',
    'response.function_call_arguments.done', 'response.output_item.done', 'response.completed',
  ]);
  assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
  const [added, delta, done, itemDone, completed] = events.slice(2);
  assert.deepEqual([added.item.type, added.item.status, added.item.arguments], ['function_call', 'in_progress', '']);
  assert.equal(delta.delta, '{"city":"Lima"}');
  assert.deepEqual([done.name, done.arguments, done.item_id], ['get_weather', '{"city":"Lima"}', added.item.id]);
  assert.equal(itemDone.item.status, 'completed');
  assert.deepEqual(completed.response.output, [itemDone.item]);

  const helper = ctx.client.responses.stream({ model: 'echo', input: 'call:get_weather {"city":"Kyiv"}', tools: [weather] });
  let args = '';
  helper.on('response.function_call_arguments.delta', (e) => { args += e.delta; });
  const final = await helper.finalResponse();
  assert.deepEqual([final.output[0].type, final.output[0].arguments, args], ['function_call', '{"city":"Kyiv"}', '{"city":"Kyiv"}']);
}, { directOnly: 'an event stream (its frames are checked with ajv)' });

test('input_items: what the response was created with, newest first unless asc, a page at a time', async () => {
  const input = ['one', 'two', 'three'].map((text) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }));
  const r = await ctx.client.responses.create({ model: 'echo', input });
  conforms('ResponseItemList', await ctx.client.get(`/responses/${r.id}/input_items`));
  const page = await ctx.client.responses.inputItems.list(r.id);
  assert.deepEqual(kinds(page.data), ['user:three', 'user:two', 'user:one']);
  const asc = await collect(ctx.client.responses.inputItems.list(r.id, { order: 'asc', limit: 1 }));
  assert.deepEqual(kinds(asc), ['user:one', 'user:two', 'user:three']);
  const first = await ctx.client.responses.inputItems.list(r.id, { order: 'asc', limit: 2 });
  assert.equal(first.has_more, true);

  // A string input is one user message; a later response's items are its own, not the conversation's.
  const conv = await ctx.client.conversations.create({ items: [{ type: 'message', role: 'user', content: 'earlier' }] });
  const later = await ctx.client.responses.create({ model: 'echo', input: 'now', conversation: conv.id });
  assert.deepEqual(kinds((await ctx.client.responses.inputItems.list(later.id)).data), ['user:now']);
  await assert.rejects(ctx.client.responses.inputItems.list('resp_missing'), NotFoundError);
});

test('delete: an ended response goes and its items stay in the conversation; one still running is refused', async () => {
  const conv = await ctx.client.conversations.create();
  const r = await ctx.client.responses.create({ model: 'echo', input: 'keep me', conversation: conv.id });
  await ctx.client.responses.delete(r.id); // the SDK returns nothing; the body, through its generic call:
  const other = await ctx.client.responses.create({ model: 'echo', input: 'and me', conversation: conv.id });
  assert.deepEqual(await ctx.client.delete(`/responses/${other.id}`), { id: other.id, object: 'response', deleted: true });
  await assert.rejects(ctx.client.responses.retrieve(r.id), NotFoundError);
  await assert.rejects(ctx.client.responses.delete(r.id), NotFoundError);
  assert.deepEqual(kinds(await collect(ctx.client.conversations.items.list(conv.id, { order: 'asc' }))), ['user:keep me', 'assistant:keep me', 'user:and me', 'assistant:and me']);

  const slow = await ctx.client.responses.create({ model: 'echo:5000', input: 'slow', background: true });
  await assert.rejects(ctx.client.responses.delete(slow.id), (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.match(e.error?.message, /^Cannot delete a response with status '(queued|in_progress)': cancel it, or wait until it ends\.$/);
    return true;
  });
  await ctx.client.responses.cancel(slow.id);
  await ctx.client.responses.delete(slow.id);
  await assert.rejects(ctx.client.responses.retrieve(slow.id), NotFoundError);
}, { directOnly: 'its 400 for a running response is not declared by the spec' });

test('a background stream followed again with starting_after goes on where the client left it, numbered as first sent', async () => {
  const text = 'one two three four five six seven eight';
  const stream = await ctx.client.responses.create({ model: 'echo:3000', input: text, background: true, stream: true });
  // The first stream is read to its end; a second client follows the response again from the first delta on,
  // while it still runs, and must see exactly what the first saw after that point.
  const first = [];
  let resumed;
  for await (const e of stream) {
    first.push(e);
    if (e.type === 'response.output_text.delta' && !resumed) {
      resumed = (async () => {
        const after = [];
        for await (const a of await ctx.client.responses.retrieve(first[0].response.id, { stream: true, starting_after: e.sequence_number })) after.push(a);
        return after;
      })();
    }
  }
  const id = first[0].response.id;
  assert.deepEqual(first.slice(0, 3).map((e) => e.type), ['response.created', 'response.queued', 'response.in_progress']);
  assert.deepEqual(first.map((e) => e.sequence_number), first.map((_, i) => i));
  const after = await resumed;
  const at = first.findIndex((e) => e.type === 'response.output_text.delta');
  const strip = (events) => events.map(({ response, ...rest }) => ({ ...rest, status: response?.status }));
  assert.ok(after.filter((e) => e.type === 'response.output_text.delta').length >= 1, 'the resumed stream has deltas of its own');
  assert.deepEqual(strip(after), strip(first.slice(at + 1)));
  assert.equal(first.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join(''), text);

  // Once it has ended, the stream is rebuilt from what was stored: the whole text, the same opening and end.
  const again = [];
  for await (const e of await ctx.client.responses.retrieve(id, { stream: true })) again.push(e);
  assert.deepEqual(again.slice(0, 3).map((e) => e.type), ['response.created', 'response.queued', 'response.in_progress']);
  assert.equal(again.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join(''), text);
  assert.deepEqual(again.at(-1).response.output, first.at(-1).response.output);
  await assert.rejects(ctx.client.responses.retrieve(id, { stream: true, starting_after: 'x' }), BadRequestError);
}, { directOnly: 'event streams (their frames are checked with ajv)' });

test('an Assistants API thread continued through responses.create(conversation), and a conversation through an Assistants run', async () => {
  const assistant = await ctx.client.beta.assistants.create({ model: 'echo' });
  const thread = await ctx.client.beta.threads.create({ messages: [{ role: 'user', content: 'hello from a thread' }] });
  assert.equal((await ctx.client.beta.threads.runs.createAndPoll(thread.id, { assistant_id: assistant.id })).status, 'completed');
  const r = conforms('Response', await ctx.client.responses.create({ model: 'echo', input: 'and now a response', conversation: thread.id }));
  assert.deepEqual([r.output_text, r.conversation], ['and now a response', { id: thread.id }]);
  const messages = await collect(ctx.client.beta.threads.messages.list(thread.id, { order: 'asc' }));
  assert.deepEqual(messages.map((m) => `${m.role}:${m.content[0].text.value}`),
    ['user:hello from a thread', 'assistant:hello from a thread', 'user:and now a response', 'assistant:and now a response']);

  const conv = await ctx.client.conversations.create();
  const first = await ctx.client.responses.create({ model: 'echo', input: 'started as a conversation', conversation: conv.id });
  await ctx.client.beta.threads.messages.create(conv.id, { role: 'user', content: 'then the Assistants API' });
  assert.equal((await ctx.client.beta.threads.runs.createAndPoll(conv.id, { assistant_id: assistant.id })).status, 'completed');
  const items = await collect(ctx.client.conversations.items.list(conv.id, { order: 'asc' }));
  assert.deepEqual(kinds(items),
    ['user:started as a conversation', 'assistant:started as a conversation', 'user:then the Assistants API', 'assistant:then the Assistants API']);
  // The response is a run of the thread, without an assistant.
  const asRun = await ctx.client.beta.threads.runs.retrieve(first.id, { thread_id: conv.id });
  assert.deepEqual([asRun.status, asRun.assistant_id, asRun.thread_id], ['completed', '', conv.id]);
});

test('a retried responses.create with the same Idempotency-Key replays the first answer and adds its input once', async () => {
  const conv = await ctx.client.conversations.create();
  const headers = { 'Idempotency-Key': randomUUID() };
  const body = { model: 'echo', input: 'only once', conversation: conv.id };
  const first = await ctx.client.responses.create(body, { headers });
  const again = await ctx.client.responses.create(body, { headers });
  assert.equal(again.id, first.id);
  assert.equal(again.output_text, 'only once');
  assert.deepEqual(kinds(await collect(ctx.client.conversations.items.list(conv.id, { order: 'asc' }))), ['user:only once', 'assistant:only once']);
});
