// client.responses (openai 6.x): create (waiting, and in the background), retrieve, cancel, on a conversation and
// alone. The point of the API here: responses on one busy conversation, sent at once by independent clients, queue
// instead of answering `conversation_locked`, and each reply lands right after the input it answered. Every response
// body is checked against the Responses spec's `Response` schema.
import assert from 'node:assert/strict';
import { useServer, collect, waitFor } from '../lib/harness.mjs';
import { OpenAI, NotFoundError, BadRequestError, noConversations } from '../lib/sdk.mjs';
import { validateResponsesSchema } from '../lib/responses-spec.mjs';

const ctx = useServer();
const test = (name, fn, { directOnly } = {}) => ctx.test(name, fn, { skip: noConversations, directOnly });

function conforms(response) {
  assert.deepEqual(validateResponsesSchema('Response', response), [], JSON.stringify(response));
  return response;
}

/** A conversation's items, oldest first, as `role:text`. */
const itemTexts = async (conversationId) =>
  (await collect(ctx.client.conversations.items.list(conversationId, { order: 'asc', limit: 100 })))
    .map((i) => `${i.role}:${i.content.map((c) => c.text).join('')}`);

/** A client of its own, as each stateless handler of a chat bot would have. */
const independentClient = () => new OpenAI({ apiKey: 'test', baseURL: ctx.server.baseURL, maxRetries: 0, timeout: 30_000 });

/**
 * Checks that every user message of a conversation's items (`role:text`, oldest first) was answered exactly once,
 * in order: each reply (the echo model's: the user messages since the reply before, one a line) sits right after the
 * last message it answered, and none is left unanswered. A response sees the conversation as it was when it started
 * (I4), inputs of the responses queued behind it included, so a later one may find nothing new: its reply is empty.
 * Returns the replies' texts in order.
 */
function assertAnsweredOnceInOrder(items) {
  const replies = [];
  let pending = [];
  for (const t of items) {
    if (t.startsWith('user:')) {
      pending.push(t.slice('user:'.length));
      continue;
    }
    assert.ok(t.startsWith('assistant:'), t);
    assert.equal(t.slice('assistant:'.length), pending.join('\n'), items.join(' | '));
    replies.push(t.slice('assistant:'.length));
    pending = [];
  }
  assert.deepEqual(pending, [], `unanswered: ${items.join(' | ')}`);
  return replies;
}

test('a response answers with the reply as an output message, output_text and usage', async () => {
  const r = conforms(await ctx.client.responses.create({ model: 'echo', input: 'Hello there', instructions: 'Be kind.', metadata: { k: 'v' } }));
  assert.match(r.id, /^resp_[A-Za-z0-9]{24}$/);
  assert.equal(r.object, 'response');
  assert.equal(r.status, 'completed');
  assert.equal(r.output_text, 'Hello there');
  assert.equal(r.output.length, 1);
  assert.deepEqual([r.output[0].type, r.output[0].role, r.output[0].status], ['message', 'assistant', 'completed']);
  assert.deepEqual(r.output[0].content, [{ type: 'output_text', text: 'Hello there', annotations: [], logprobs: [] }]);
  assert.equal(r.instructions, 'Be kind.');
  assert.deepEqual(r.metadata, { k: 'v' });
  assert.equal(r.conversation, null);
  assert.equal(r.background, false);
  assert.ok(r.usage.total_tokens > 0 && r.usage.total_tokens === r.usage.input_tokens + r.usage.output_tokens);
  const again = conforms(await ctx.client.responses.retrieve(r.id));
  assert.equal(r.joined, false);
  const { joined, output_text: made, ...asMade } = r;
  const { output_text: read, ...asRead } = again;
  assert.deepEqual(asRead, asMade);
});

test('responses sent at once to one conversation by independent clients all complete, one after another, in order', async () => {
  const conv = await ctx.client.conversations.create();
  const n = 6;
  const clients = Array.from({ length: n }, independentClient);
  const answers = await Promise.all(clients.map((c, i) => c.responses.create({ model: 'echo:100', input: `message ${i}`, conversation: conv.id })));
  answers.forEach((a, i) => {
    conforms(a);
    assert.equal(a.status, 'completed');
    assert.deepEqual(a.conversation, { id: conv.id });
    assert.equal(a.output_text, `message ${i}`, 'a response answers its own input');
  });
  // No two at once (each started after the one before ended), none lost, every input answered exactly once.
  const items = await itemTexts(conv.id);
  assert.equal(items.filter((t) => t.startsWith('user:')).length, n);
  assert.equal(assertAnsweredOnceInOrder(items).length, n);
  const byId = new Map(answers.map((a) => [a.id, a]));
  assert.equal(byId.size, n);
});

test('background: answers queued at once; retrieve follows it to completed; cancel ends a long one', async () => {
  const conv = await ctx.client.conversations.create();
  const slow = conforms(await ctx.client.responses.create({ model: 'echo:4000', input: 'slow', conversation: conv.id, background: true }));
  assert.equal(slow.background, true);
  assert.ok(['queued', 'in_progress'].includes(slow.status), slow.status);
  assert.deepEqual(slow.output, []);
  const behind = conforms(await ctx.client.responses.create({ model: 'echo', input: 'behind', conversation: conv.id, background: true }));
  assert.equal(behind.status, 'queued');

  await waitFor(async () => (await ctx.client.responses.retrieve(slow.id)).status === 'in_progress', { what: 'the slow response to start' });
  const cancelled = conforms(await ctx.client.responses.cancel(slow.id));
  assert.equal(cancelled.status, 'cancelled');
  const done = await waitFor(async () => {
    const r = await ctx.client.responses.retrieve(behind.id);
    return r.status === 'completed' && r;
  }, { what: 'the queued response to complete' });
  conforms(done);
  assert.equal(done.output_text, 'slow\nbehind');
  await assert.rejects(ctx.client.responses.cancel(done.id), (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.equal(e.error?.message, "Cannot cancel a response with status 'completed'.");
    return true;
  });
});

test('previous_response_id continues on the thread of the response it follows', async () => {
  const first = await ctx.client.responses.create({ model: 'echo', input: [{ role: 'user', content: [{ type: 'input_text', text: 'first' }] }] });
  const second = conforms(await ctx.client.responses.create({ model: 'echo', input: 'second', previous_response_id: first.id }));
  assert.equal(second.previous_response_id, first.id);
  assert.equal(second.output_text, 'second');
  assert.equal(second.conversation, null);
});

test('on_active "reject" on a busy conversation answers the hosted conversation_locked; bad requests answer 400', async () => {
  const conv = await ctx.client.conversations.create();
  const slow = await ctx.client.responses.create({ model: 'echo:3000', input: 'slow', conversation: conv.id, background: true });
  await waitFor(async () => (await ctx.client.responses.retrieve(slow.id)).status === 'in_progress', { what: 'the response to start' });
  await assert.rejects(ctx.client.responses.create({ model: 'echo', input: 'now', conversation: conv.id, on_active: 'reject' }), (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.equal(e.error?.message, 'Another process is currently operating on this conversation. Please retry in a few seconds.');
    assert.equal(e.code, 'conversation_locked');
    assert.equal(e.param, 'conversation');
    return true;
  });
  await ctx.client.responses.cancel(slow.id);

  const bad = [
    [{ model: 'echo', input: 'x', conversation: conv.id, previous_response_id: slow.id }, null, 'mutually_exclusive_parameters'],
    [{ input: 'x' }, 'model', 'missing_required_parameter'],
    [{ model: 'echo' }, 'input', 'missing_required_parameter'],
    [{ model: 'echo', input: [{ type: 'reasoning', summary: [] }] }, 'input[0].type', 'invalid_value'],
    [{ model: 'echo', input: 'x', temperature: 3 }, 'temperature', 'invalid_value'],
  ];
  for (const [body, param, code] of bad) {
    await assert.rejects(ctx.client.responses.create(body), (e) => {
      assert.ok(e instanceof BadRequestError, `expected BadRequestError for ${JSON.stringify(body)}, got ${e}`);
      assert.equal(e.param, param, JSON.stringify(body));
      assert.equal(e.code, code, JSON.stringify(body));
      return true;
    });
  }
  await assert.rejects(ctx.client.responses.create({ model: 'echo', input: 'x', conversation: 'conv_missing' }), (e) => {
    assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${e}`);
    assert.equal(e.error?.message, "No conversation found with id 'conv_missing'.");
    return true;
  });
  await assert.rejects(ctx.client.responses.retrieve('resp_missing'), NotFoundError);
}, { directOnly: 'on_active is an extension field, and the 400s are on purpose' });

test('stream: the spec\'s events in order, numbered from 0, every delta; the SDK\'s stream helper builds the final response', async () => {
  const stream = await ctx.client.responses.create({ model: 'echo', input: 'one two three four five six', stream: true });
  const events = [];
  for await (const e of stream) events.push(e);
  const types = events.map((e) => e.type);
  const deltas = types.filter((t) => t === 'response.output_text.delta').length;
  assert.ok(deltas >= 2, types.join(', '));
  assert.deepEqual(types.filter((t) => t !== 'response.output_text.delta'), [
    'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
    'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
  ]);
  assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
  assert.equal(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join(''), 'one two three four five six');
  const completed = events.at(-1).response;
  assert.equal(completed.status, 'completed');
  const stored = await ctx.client.responses.retrieve(completed.id);
  assert.deepEqual(completed.output, stored.output);
  assert.equal(events[0].response.status, 'queued');

  // openai-node's own accumulator checks that the events fit together (items, parts, deltas) as it builds the response.
  const helper = ctx.client.responses.stream({ model: 'echo', input: 'through the helper' });
  let text = '';
  helper.on('response.output_text.delta', (e) => { text += e.delta; });
  const final = await helper.finalResponse();
  assert.equal(final.output_text, 'through the helper');
  assert.equal(text, 'through the helper');
}, { directOnly: 'event streams (their frames are checked with ajv)' });

test('a stream on a busy conversation says response.queued and starts once the response before it ended', async () => {
  const conv = await ctx.client.conversations.create();
  const first = await ctx.client.responses.create({ model: 'echo:1500', input: 'first', conversation: conv.id, background: true });
  const stream = await ctx.client.responses.create({ model: 'echo', input: 'second', conversation: conv.id, stream: true });
  const types = [];
  let firstWhenStarted;
  let output;
  for await (const e of stream) {
    types.push(e.type);
    if (e.type === 'response.in_progress') firstWhenStarted = (await ctx.client.responses.retrieve(first.id)).status;
    if (e.type === 'response.completed') output = e.response.output;
  }
  assert.deepEqual(types.slice(0, 3), ['response.created', 'response.queued', 'response.in_progress']);
  assert.equal(firstWhenStarted, 'completed');
  assert.equal(output[0].content[0].text, 'second');
  const items = await itemTexts(conv.id);
  assert.deepEqual(items, ['user:first', 'assistant:first', 'user:second', 'assistant:second']);
}, { directOnly: 'event streams (their frames are checked with ajv)' });

test('a streamed response cancelled from elsewhere ends its stream with response.failed, status cancelled', async () => {
  const stream = await ctx.client.responses.create({ model: 'echo:5000', input: 'long', stream: true });
  const types = [];
  let last;
  for await (const e of stream) {
    types.push(e.type);
    if (e.type === 'response.in_progress') await ctx.client.responses.cancel(e.response.id);
    last = e;
  }
  assert.equal(last.type, 'response.failed', types.join(', '));
  assert.equal(last.response.status, 'cancelled');
}, { directOnly: 'event streams (their frames are checked with ajv)' });

test('debounce_ms: a burst of responses on one conversation folds into one response; joined tells each caller', async () => {
  const conv = await ctx.client.conversations.create();
  const first = await ctx.client.responses.create({ model: 'echo', input: 'hi', conversation: conv.id, debounce_ms: 400, background: true });
  const second = await ctx.client.responses.create({ model: 'echo', input: 'are you there?', conversation: conv.id, debounce_ms: 400, background: true });
  // One that waits for its answer joins too, and answers once the folded response is done.
  const third = conforms(await ctx.client.responses.create({ model: 'echo', input: 'hello?', conversation: conv.id, debounce_ms: 400 }));
  assert.deepEqual([first.joined, second.joined, third.joined], [false, true, true]);
  assert.equal(second.id, first.id);
  assert.equal(third.id, first.id);
  assert.equal(third.status, 'completed');
  assert.equal(third.output_text, 'hi\nare you there?\nhello?');
  const items = await itemTexts(conv.id);
  assert.deepEqual(items, ['user:hi', 'user:are you there?', 'user:hello?', 'assistant:hi\nare you there?\nhello?']);
  // A response read back is not a create: no joined there.
  assert.equal((await ctx.client.responses.retrieve(first.id)).joined, undefined);
}, { directOnly: 'debounce_ms is an extension field' });

/**
 * The chat-bot burst: `users` users, each on a conversation of their own, each sending three messages within 300 ms
 * from three independent clients, every `responses.create` (with `extra`) waiting for its answer. Timers only stagger
 * the sends (each at a random 0-300 ms); nothing waits on a timer for a result. Fails on any error, counting the
 * conversation_locked ones. Returns each user's conversation id and sends, each with the answer its create got.
 */
async function chatBotBurst(users, extra = {}) {
  const conversations = await Promise.all(Array.from({ length: users }, () => ctx.client.conversations.create()));
  const sends = conversations.flatMap((conv, u) =>
    [0, 1, 2].map((k) => ({ u, conversation: conv.id, input: `user ${u} message ${k}`, at: Math.random() * 300 })));
  const settled = await Promise.allSettled(sends.map(async (s) => {
    const client = independentClient();
    await new Promise((resolve) => setTimeout(resolve, s.at));
    return client.responses.create({ model: 'echo', input: s.input, conversation: s.conversation, ...extra });
  }));
  const errors = settled.flatMap((r, i) =>
    r.status === 'rejected' ? [`${sends[i].input} (sent at ${Math.round(sends[i].at)} ms): ${r.reason?.code ?? ''} ${r.reason}`] : []);
  const locked = errors.filter((e) => e.includes('conversation_locked')).length;
  assert.deepEqual(errors, [], `${errors.length} of ${sends.length} creates failed, ${locked} of them conversation_locked`);
  return conversations.map((conv, u) => ({
    id: conv.id,
    sends: sends.flatMap((s, i) => (s.u === u ? [{ input: s.input, answer: conforms(settled[i].value) }] : [])),
  }));
}

/** The user messages of a conversation's items (`role:text`), checked to be exactly the ones sent, once each. */
function assertUserMessagesAre(items, sends) {
  const users = items.filter((t) => t.startsWith('user:')).map((t) => t.slice('user:'.length));
  assert.deepEqual([...users].sort(), sends.map((s) => s.input).sort(), items.join(' | '));
}

const BURST_USERS = 20;

test(`the chat-bot burst: ${BURST_USERS} users, three messages each from independent clients within 300 ms, each answered once, in order`, async () => {
  const burst = await chatBotBurst(BURST_USERS);
  await Promise.all(burst.map(async ({ id, sends }) => {
    for (const { answer } of sends) {
      assert.equal(answer.status, 'completed');
      assert.deepEqual(answer.conversation, { id });
      assert.equal(answer.joined, false);
    }
    assert.equal(new Set(sends.map((s) => s.answer.id)).size, 3);
    const items = await itemTexts(id);
    assertUserMessagesAre(items, sends);
    // One reply per response, each the answer its caller got.
    const replies = assertAnsweredOnceInOrder(items);
    assert.deepEqual([...replies].sort(), sends.map((s) => s.answer.output_text).sort(), items.join(' | '));
    // Each response answers its own input, not the inputs of the responses queued behind it.
    for (const { input, answer } of sends) assert.equal(answer.output_text, input, items.join(' | '));
  }));
});

test(`the debounced chat-bot burst: each of ${BURST_USERS} users' three creates fold into one response that answers all three`, async () => {
  const burst = await chatBotBurst(BURST_USERS, { debounce_ms: 1000 });
  await Promise.all(burst.map(async ({ id, sends }) => {
    const items = await itemTexts(id);
    assertUserMessagesAre(items, sends);
    const replies = assertAnsweredOnceInOrder(items);
    assert.equal(replies.length, 1, items.join(' | '));
    assert.equal(new Set(sends.map((s) => s.answer.id)).size, 1, 'one response for the burst');
    assert.deepEqual(sends.map((s) => s.answer.joined).sort(), [false, true, true]);
    for (const { answer } of sends) {
      assert.equal(answer.status, 'completed');
      assert.deepEqual(answer.conversation, { id });
      assert.equal(answer.output_text, replies[0]);
    }
  }));
}, { directOnly: 'debounce_ms is an extension field' });
