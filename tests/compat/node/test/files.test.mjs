// client.files (openai 6.x) against Threadline's Files API: upload (multipart, streamed to storage), retrieve,
// list with `purpose` and cursor paging, content, delete, expires_after, the validation 400s and the size limit's
// 413 (Threadline:Files:MaxBytes) answered after the body is drained. Bodies are checked against the Files and
// Vector Stores spec (lib/files-spec.mjs); Prism does not proxy these paths, so the file runs directly.
import assert from 'node:assert/strict';
import { useServer, collect, recorder } from '../lib/harness.mjs';
import { startThreadline } from '../lib/server.mjs';
import { createClient, APIError, BadRequestError, NotFoundError } from '../lib/sdk.mjs';
import { conforms, notV6, directOnly } from '../lib/files-spec.mjs';

const mod = await import(process.env.OPENAI_PACKAGE ?? 'openai');
const { toFile } = mod;

// A server of its own: the listings below count every file of the project.
const ctx = useServer({ args: { 'Threadline:Files:MaxBytes': String(1024 * 1024) }, directOnly });
const test = (name, fn, options = {}) => ctx.test(name, fn, { skip: notV6, ...options });

const upload = async (text, name = 'a.md', extra = {}) =>
  ctx.client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'assistants', ...extra });

test('create, retrieve, content and delete: bytes, filename, purpose, status; then 404', async () => {
  const text = '# Notes\n\nThe lighthouse keeper logs the weather every morning.\n';
  const before = Math.floor(Date.now() / 1000);
  const f = conforms('OpenAIFile', await upload(text, 'notes.md'));
  assert.match(f.id, /^file-/);
  assert.equal(f.object, 'file');
  assert.equal(f.bytes, Buffer.byteLength(text));
  assert.equal(f.filename, 'notes.md');
  assert.equal(f.purpose, 'assistants');
  assert.equal(f.status, 'processed');
  assert.ok(f.created_at >= before - 1 && f.created_at <= Math.floor(Date.now() / 1000) + 1, String(f.created_at));
  assert.equal(f.expires_at ?? null, null);

  const got = conforms('OpenAIFile', await ctx.client.files.retrieve(f.id));
  assert.deepEqual(got, f);

  const content = await ctx.client.files.content(f.id);
  assert.equal(content.status, 200);
  assert.deepEqual(Buffer.from(await content.arrayBuffer()), Buffer.from(text));

  const deleted = conforms('DeleteFileResponse', await ctx.client.files.delete(f.id));
  assert.deepEqual(deleted, { id: f.id, object: 'file', deleted: true });
  await assert.rejects(ctx.client.files.retrieve(f.id), NotFoundError);
  await assert.rejects(ctx.client.files.content(f.id), NotFoundError);
  await assert.rejects(ctx.client.files.delete(f.id), NotFoundError);
});

test('binary bytes come back unchanged', async () => {
  const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256));
  const f = await ctx.client.files.create({ file: await toFile(bytes, 'blob.bin'), purpose: 'user_data' });
  assert.equal(f.bytes, 300);
  assert.equal(f.purpose, 'user_data');
  const content = await ctx.client.files.content(f.id);
  assert.deepEqual(Buffer.from(await content.arrayBuffer()), bytes);
  await ctx.client.files.delete(f.id);
});

test('list: purpose filter, limit and after page through every file once, newest first', async () => {
  const made = [];
  for (let i = 0; i < 5; i++) made.push(await upload(`list document ${i}`, `l${i}.txt`));
  const other = await ctx.client.files.create({ file: await toFile(Buffer.from('{}'), 'b.jsonl'), purpose: 'batch' });

  const page = await ctx.client.files.list({ purpose: 'assistants', limit: 2 });
  conforms('ListFilesResponse', page.body);
  assert.equal(page.data.length, 2);
  assert.equal(page.has_more, true);
  for (const f of page.data) conforms('OpenAIFile', f);

  const all = await collect(ctx.client.files.list({ purpose: 'assistants', limit: 2 }));
  const ids = all.map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length, 'a file listed twice');
  for (const m of made) assert.ok(ids.includes(m.id), `${m.id} missing from the listing`);
  assert.ok(!ids.includes(other.id), 'a batch file in the assistants listing');
  assert.ok(all.every((f) => f.purpose === 'assistants'));
  const mine = ids.filter((id) => made.some((m) => m.id === id));
  assert.deepEqual(mine, made.map((m) => m.id).reverse(), 'not newest first');

  // after: the page that follows a given file.
  const next = await ctx.client.files.list({ purpose: 'assistants', limit: 2, after: made[3].id });
  assert.deepEqual(next.data.map((f) => f.id), [made[2].id, made[1].id]);
  const asc = await ctx.client.files.list({ purpose: 'assistants', order: 'asc', limit: 100 });
  const ascMine = asc.data.map((f) => f.id).filter((id) => made.some((m) => m.id === id));
  assert.deepEqual(ascMine, made.map((m) => m.id));

  const batch = await collect(ctx.client.files.list({ purpose: 'batch' }));
  assert.deepEqual(batch.map((f) => f.id), [other.id]);
  for (const f of [...made, other]) await ctx.client.files.delete(f.id);
});

test('expires_after (created_at + 3600 s) sets expires_at', async () => {
  const f = conforms('OpenAIFile', await upload('short lived', 'tmp.txt', { expires_after: { anchor: 'created_at', seconds: 3600 } }));
  assert.equal(f.expires_at, f.created_at + 3600);
  assert.equal((await ctx.client.files.retrieve(f.id)).expires_at, f.created_at + 3600);
  await ctx.client.files.delete(f.id);
});

test('validation: invalid purpose and missing file answer 400 and keep nothing', async () => {
  const before = (await ctx.client.files.list()).data.length;
  await assert.rejects(
    ctx.client.files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'nonsense' }),
    (e) => {
      assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
      assert.equal(e.param, 'purpose');
      return true;
    },
  );
  await assert.rejects(ctx.client.files.create({ purpose: 'assistants' }), (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.equal(e.param, 'file');
    return true;
  });
  await assert.rejects(ctx.client.files.create({ file: await toFile(Buffer.from('x'), 'x.txt') }), (e) => {
    assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
    assert.equal(e.param, 'purpose');
    return true;
  });
  await assert.rejects(
    ctx.client.files.create({ file: await toFile(Buffer.from('x'), 'x.txt'), purpose: 'assistants', expires_after: { anchor: 'created_at', seconds: 60 } }),
    (e) => {
      assert.ok(e instanceof BadRequestError, `expected BadRequestError, got ${e}`);
      assert.equal(e.param, 'expires_after.seconds');
      return true;
    },
  );
  assert.equal((await ctx.client.files.list()).data.length, before);
  await assert.rejects(ctx.client.files.retrieve('file-doesnotexist'), NotFoundError);
});

test('a file over Threadline:Files:MaxBytes answers 413 file_too_large and is not kept', async () => {
  const small = await startThreadline({ args: { 'Threadline:Files:MaxBytes': '1024' }, prism: false });
  try {
    const { client } = createClient(small.baseURL, recorder.fetch);
    await assert.rejects(
      client.files.create({ file: await toFile(Buffer.alloc(5000, 0x61), 'big.txt'), purpose: 'assistants' }),
      (e) => {
        assert.ok(e instanceof APIError, `expected APIError, got ${e}`);
        assert.equal(e.status, 413);
        assert.equal(e.code, 'file_too_large');
        return true;
      },
    );
    assert.deepEqual((await client.files.list()).data, []);
    // At the limit it is taken.
    const ok = await client.files.create({ file: await toFile(Buffer.alloc(1024, 0x62), 'edge.txt'), purpose: 'assistants' });
    assert.equal(ok.bytes, 1024);
    assert.deepEqual((await client.files.list()).data.map((f) => f.id), [ok.id]);
  } finally {
    await small.stop();
  }
}, { timeout: 90_000 });
