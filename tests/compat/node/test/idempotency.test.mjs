// Idempotency-Key through the SDK's per-request headers option (the OpenAI client sets no idempotency header itself).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useServer, collect } from '../lib/harness.mjs';

const ctx = useServer();
const { test } = ctx;

test('a retried runs.create with the same Idempotency-Key replays the first answer', async () => {
  const a = await ctx.api.assistants.create({ model: 'echo' });
  const t = await ctx.api.threads.create({ messages: [{ role: 'user', content: 'once' }] });
  const headers = { 'Idempotency-Key': randomUUID() };
  const { data: first, response: r1 } = await ctx.api.runs.create(t.id, { assistant_id: a.id }, { headers }).withResponse();
  const { data: again, response: r2 } = await ctx.api.runs.create(t.id, { assistant_id: a.id }, { headers }).withResponse();
  assert.equal(again.id, first.id);
  assert.equal(r1.headers.get('idempotent-replayed'), null);
  assert.equal(r2.headers.get('idempotent-replayed'), 'true');
  const runs = await collect(ctx.api.runs.list(t.id));
  assert.equal(runs.length, 1);
});

test('a retried messages.create with the same Idempotency-Key adds one message', async () => {
  const t = await ctx.api.threads.create();
  const headers = { 'Idempotency-Key': randomUUID() };
  const m1 = await ctx.api.messages.create(t.id, { role: 'user', content: 'dup?' }, { headers });
  const m2 = await ctx.api.messages.create(t.id, { role: 'user', content: 'dup?' }, { headers });
  assert.equal(m2.id, m1.id);
  assert.equal((await collect(ctx.api.messages.list(t.id))).length, 1);
});
