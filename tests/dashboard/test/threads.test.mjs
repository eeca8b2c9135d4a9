// An operator finds a user's thread by its external id after a burst of messages, and reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useStack, waitFor, unique } from '../lib/harness.mjs';

const ctx = useStack();

test("finds a user's thread by external_id after a burst, and shows its messages", async () => {
  const assistant = await ctx.client.beta.assistants.create({ model: 'echo', name: 'Support bot' });
  const externalId = unique('whatsapp:+1555');
  // The last one is markup: the page must show it as text (no element made from data).
  const texts = ['Hi', 'I have a problem', 'my order is missing', 'it was <b>order</b> <img src=x onerror="window.__xss=1">'];

  // The burst: each message is its own find-or-create + debounced run call, sent at once, as a chat
  // channel's webhooks arrive. They make one thread and one run.
  const runs = await Promise.all(texts.map((content) =>
    ctx.client.beta.threads.createAndRun({
      assistant_id: assistant.id,
      thread: { external_id: externalId, messages: [{ role: 'user', content }] },
      debounce_ms: 300,
    })));
  const threadId = runs[0].thread_id;
  assert.ok(runs.every((r) => r.thread_id === threadId), 'one thread');
  // Another user's thread, which the search must not find.
  await ctx.client.beta.threads.create({ external_id: unique('whatsapp:+1666'), messages: [{ role: 'user', content: 'someone else' }] });

  const page = await ctx.signedInPage();
  await page.getByTestId('nav-threads').click();
  await page.locator('[data-testid="view"][data-view="threads"]').waitFor();
  await page.getByTestId('thread-search').fill(externalId);
  await page.getByTestId('thread-search').press('Enter');
  const rows = page.getByTestId('thread-row');
  await rows.filter({ hasText: externalId }).waitFor();
  await waitFor(async () => (await rows.count()) === 1, { what: 'exactly one thread found' });
  assert.equal(await rows.first().getAttribute('data-thread-id'), threadId);
  assert.equal((await rows.first().getByTestId('thread-external-id').innerText()).trim(), externalId);
  assert.equal(new URL(page.url()).searchParams.get('q'), externalId, 'the search is kept in the URL');

  // Open it: every message of the burst is shown, and the one debounced run's reply echoes them all.
  await rows.first().getByTestId('thread-link').click();
  await page.waitForURL((u) => u.pathname === `/dashboard/threads/${threadId}`);
  assert.equal((await page.getByTestId('thread-external-id').innerText()).trim(), externalId);
  const userTexts = page.locator('[data-testid="message"][data-role="user"] [data-testid="message-text"]');
  await waitFor(async () => (await userTexts.count()) === texts.length, { what: `${texts.length} user messages` });
  assert.deepEqual((await userTexts.allInnerTexts()).map((t) => t.trim()).sort(), [...texts].sort());
  // The reply arrives live (the page follows the server's changes).
  const reply = page.locator('[data-testid="message"][data-role="assistant"] [data-testid="message-text"]');
  await reply.first().waitFor({ timeout: 20_000 });
  await waitFor(async () => {
    const text = await reply.first().innerText();
    return texts.every((x) => text.includes(x));
  }, { what: 'the reply echoing the whole burst', timeoutMs: 20_000 });

  assert.equal(await page.locator('[data-testid="messages"] b, [data-testid="messages"] img').count(), 0, 'message text is not parsed as HTML');
  assert.equal(await page.evaluate(() => window.__xss), undefined);

  // Searching by the thread id finds it too.
  await page.getByTestId('nav-threads').click();
  await page.getByTestId('thread-search').fill(threadId);
  await page.getByTestId('thread-search-submit').click();
  await page.locator(`[data-testid="thread-row"][data-thread-id="${threadId}"]`).waitFor();
  assert.deepEqual(page.errors, []);
});
