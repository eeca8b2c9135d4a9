// Checks the checker: Prism (--errors) in front of a fake upstream that answers off-spec must make the SDK call fail,
// and the harness must report Prism's exact message. Only meaningful with PRISM=1.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test, before, after } from 'node:test';
import { startPrism, viaPrism } from '../lib/server.mjs';
import { createClient, InternalServerError } from '../lib/sdk.mjs';
import { recorder } from '../lib/harness.mjs';

const skip = viaPrism ? false : 'checks the Prism proxy: run with PRISM=1';
let upstream;
let prism;
let api;

const goodAssistant = {
  id: 'asst_good', object: 'assistant', created_at: 1700000000, name: null, description: null, model: 'echo',
  instructions: null, tools: [], metadata: {}, temperature: 1, top_p: 1, response_format: 'auto', tool_resources: null,
};

before(async () => {
  if (skip) return;
  upstream = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/v1/assistants/asst_good') return res.end(JSON.stringify(goodAssistant));
    // off-spec: created_at as a string, model missing
    const { model, ...bad } = { ...goodAssistant, id: 'asst_bad', created_at: 'yesterday' };
    return res.end(JSON.stringify(bad));
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  prism = await startPrism(`http://127.0.0.1:${upstream.address().port}/v1`);
  ({ api } = createClient(prism.baseURL, recorder.fetch));
});

after(async () => {
  await prism?.stop();
  upstream?.close();
});

test('a valid answer passes through Prism untouched', { skip }, async () => {
  recorder.reset();
  assert.deepEqual(await api.assistants.retrieve('asst_good'), goodAssistant);
  assert.deepEqual(recorder.problems, []);
});

test('an off-spec answer fails the SDK call, and the harness reports what Prism found', { skip }, async () => {
  recorder.reset();
  await assert.rejects(api.assistants.retrieve('asst_bad'), (e) => {
    assert.ok(e instanceof InternalServerError, `expected InternalServerError, got ${e}`);
    assert.equal(e.status, 500);
    return true;
  });
  const report = recorder.problems.join('\n');
  assert.match(report, /Prism answered GET \/assistants\/asst_bad -> 500/);
  assert.match(report, /VIOLATIONS/);
  assert.match(report, /Response body must have required property 'model'/);
  assert.match(report, /created_at must be integer/);
  recorder.reset();
});

test('an off-spec request (an extension field) is refused by Prism with 422', { skip }, async () => {
  recorder.reset();
  await assert.rejects(api.assistants.create({ model: 'echo', debounce_ms: 5 }), (e) => e.status === 422);
  assert.match(recorder.problems.join('\n'), /Request body must NOT have additional properties; found 'debounce_ms'/);
  recorder.reset();
});
