// One thread: its facts, its queue (the active run, then the waiting runs in start order) and its
// messages, oldest at the top.
import { api } from './api.js';
import { h, fill, header, id, badge, facts, table, emptyRow, runHref, time, timeSec, relative, metadataChips, errorBox, duration } from './ui.js';

const QUEUE_COLUMNS = ['#', 'Run', 'Status', 'Assistant', 'Model', 'Created', 'Eligible', 'Debounce'];

function messageCard(m) {
  return h('article', { class: `message role-${m.role}`, testid: 'message', dataset: { messageId: m.id, role: m.role } },
    h('div', { class: 'message-head' },
      h('span', { class: `role role-${m.role}` }, m.role),
      m.status ? badge(m.status) : null,
      h('span', { class: 'muted nowrap' }, timeSec(m.created_at)),
      id(m.id),
      m.run_id ? h('span', null, 'run ', id(m.run_id, runHref(m.run_id))) : null,
    ),
    h('div', { class: 'message-text', testid: 'message-text' }, m.text ?? ''),
  );
}

export async function render(root, ctx) {
  const threadId = ctx.params.threadId;
  const summary = h('section', { class: 'panel' });
  const { table: queueTable, body: queueBody } = table(QUEUE_COLUMNS, 'queue-table');
  const older = h('button', { type: 'button', class: 'more', testid: 'load-older', hidden: true }, 'Load older messages');
  const messages = h('div', { class: 'messages', testid: 'messages' });
  const messageStatus = h('div');
  root.append(
    header(`Thread ${threadId}`),
    summary,
    h('section', { class: 'panel' }, h('h2', null, 'Queue'), h('div', { class: 'table-wrap' }, queueTable)),
    h('section', { class: 'panel' }, h('h2', null, 'Messages'), older, messages, messageStatus),
  );

  let next = null; // cursor of the next older page
  let shown = 0;
  let token = 0;

  const loadThread = async () => {
    let d;
    try {
      d = await api.thread(threadId);
    } catch (e) {
      fill(summary, errorBox(e));
      fill(queueBody);
      return;
    }
    const t = d.thread;
    fill(summary,
      facts([
        ['Id', id(t.id, null, 'thread-id')],
        ['External id', h('span', { class: 'mono', testid: 'thread-external-id' }, t.external_id ?? '—')],
        ['Project', h('span', { class: 'mono' }, t.project_id ?? '—')],
        ['Created', timeSec(t.created_at)],
        ['Active run', t.active_run_id ? id(t.active_run_id, runHref(t.active_run_id)) : '—'],
        ['Queued runs', String(t.queued_runs ?? 0)],
        ['Metadata', metadataChips(t.metadata)],
      ]),
    );
    const queue = d.queue ?? [];
    let position = 0;
    fill(queueBody, queue.length
      ? queue.map((r) =>
          h('tr', { testid: 'queue-row', dataset: { runId: r.id } },
            h('td', { class: 'num' }, r.status === 'queued' ? String(++position) : 'active'),
            h('td', null, id(r.id, runHref(r.id))),
            h('td', { testid: 'run-status' }, badge(r.status)),
            h('td', null, id(r.assistant_id)),
            h('td', { class: 'mono' }, r.model ?? '—'),
            h('td', { class: 'nowrap' }, time(r.created_at_ms)),
            h('td', { class: 'nowrap' }, r.status === 'queued' && r.eligible_at_ms ? `${time(r.eligible_at_ms)} (${relative(r.eligible_at_ms)})` : '—'),
            h('td', null, r.debounce_ms ? duration(r.debounce_ms) : '—'),
          ))
      : emptyRow(QUEUE_COLUMNS.length, 'Nothing running or waiting.'));
  };

  const loadMessages = async () => {
    const mine = ++token;
    let page;
    try {
      page = await api.messages(threadId, { limit: Math.min(100, Math.max(50, shown)) });
    } catch (e) {
      if (mine === token) fill(messageStatus, errorBox(e));
      return;
    }
    if (mine !== token) return;
    fill(messageStatus);
    const items = page.data ?? [];
    fill(messages, items.length ? [...items].reverse().map(messageCard) : h('p', { class: 'muted' }, 'No messages.'));
    shown = items.length;
    next = page.next_before ?? null;
    older.hidden = next === null;
  };

  older.addEventListener('click', async () => {
    if (next === null) return;
    const mine = ++token;
    older.disabled = true;
    try {
      const page = await api.messages(threadId, { before: next, limit: 50 });
      if (mine !== token) return;
      const items = page.data ?? [];
      messages.prepend(...[...items].reverse().map(messageCard));
      shown += items.length;
      next = page.next_before ?? null;
      older.hidden = next === null;
    } catch (e) {
      fill(messageStatus, errorBox(e));
    } finally {
      older.disabled = false;
    }
  });

  const load = () => Promise.all([loadThread(), loadMessages()]);
  await load();
  return { reload: load };
}
