// Thread search: by id (thread_...), metadata (key=value) or external id (anything else).
import { api } from './api.js';
import { h, header, id, threadHref, runHref, when, metadataChips, pagedTable } from './ui.js';

const COLUMNS = ['Thread', 'External id', 'Created', 'Queue', 'Metadata'];

export async function render(root, ctx) {
  let q = ctx.query.get('q') ?? '';
  const input = h('input', {
    type: 'search',
    name: 'q',
    value: q,
    placeholder: 'thread_…, external id, or key=value',
    'aria-label': 'Search threads',
    testid: 'thread-search',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const form = h('form', { class: 'filters', role: 'search', testid: 'thread-search-form' }, input, h('button', { type: 'submit', testid: 'thread-search-submit' }, 'Search'));

  const list = pagedTable({
    columns: COLUMNS,
    testid: 'threads-table',
    empty: () => (q ? 'No thread matches.' : 'No threads yet.'),
    fetchPage: (page) => api.threads({ q, ...page }),
    row: (t) =>
      h('tr', { testid: 'thread-row', dataset: { threadId: t.id } },
        h('td', null, id(t.id, threadHref(t.id), 'thread-link'), h('div', { class: 'sub' }, 'project ', h('span', { class: 'mono' }, t.project_id ?? '—'))),
        h('td', { class: 'mono', testid: 'thread-external-id' }, t.external_id ?? '—'),
        h('td', null, when(t.created_at * 1000)),
        h('td', { testid: 'thread-queue' },
          t.active_run_id ? h('div', null, 'running ', id(t.active_run_id, runHref(t.active_run_id))) : null,
          t.queued_runs ? h('div', { class: t.active_run_id ? 'sub' : null }, `${t.queued_runs} queued`) : null,
          !t.active_run_id && !t.queued_runs ? h('span', { class: 'muted' }, 'idle') : null),
        h('td', null, metadataChips(t.metadata)),
      ),
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    q = input.value.trim();
    ctx.setQuery({ q });
    list.reload();
  });

  root.append(header('Threads'), form, list.element);
  await list.reload();
  return { reload: list.reload };
}
