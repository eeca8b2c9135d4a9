// Runs across threads, newest first, filtered by status, assistant and model.
import { api } from './api.js';
import { h, header, id, badge, runHref, threadHref, when, duration, pagedTable } from './ui.js';

export const STATUSES = ['queued', 'in_progress', 'requires_action', 'cancelling', 'completed', 'failed', 'cancelled', 'expired', 'incomplete'];
const COLUMNS = ['Run / thread', 'Status', 'Model / assistant', 'Created', 'Queue wait', 'First token', 'Took'];

const diff = (a, b) => (a !== null && a !== undefined && b !== null && b !== undefined ? a - b : null);

export function runRow(r) {
  return h('tr', { testid: 'run-row', dataset: { runId: r.id, status: r.status } },
    h('td', null,
      h('div', null, id(r.id, runHref(r.id), 'run-link'), r.object === 'response' ? h('span', { class: 'tag' }, 'response') : null),
      h('div', { class: 'sub' }, 'on ', id(r.thread_id, r.thread_id ? threadHref(r.thread_id) : null))),
    h('td', null,
      h('span', { testid: 'run-status' }, badge(r.status)),
      r.last_error ? h('div', { class: 'bad-text small', title: r.last_error.message }, r.last_error.code) : null,
      r.attempt > 1 ? h('div', { class: 'sub' }, `attempt ${r.attempt}`) : null),
    h('td', null, h('div', { class: 'mono' }, r.model ?? '—'), h('div', { class: 'sub' }, id(r.assistant_id))),
    h('td', null, when(r.created_at_ms)),
    h('td', { class: 'num' }, duration(diff(r.started_at_ms, r.created_at_ms))),
    h('td', { class: 'num' }, duration(diff(r.first_token_at_ms, r.started_at_ms))),
    h('td', { class: 'num' }, duration(diff(r.ended_at_ms, r.started_at_ms))),
  );
}

export async function render(root, ctx) {
  const filters = {
    status: ctx.query.get('status') ?? '',
    assistant_id: ctx.query.get('assistant_id') ?? '',
    model: ctx.query.get('model') ?? '',
  };
  const status = h('select', { name: 'status', 'aria-label': 'Status', testid: 'runs-status-filter' },
    h('option', { value: '' }, 'any status'),
    STATUSES.map((st) => h('option', { value: st, selected: st === filters.status }, st)));
  const assistant = h('input', { type: 'search', name: 'assistant_id', value: filters.assistant_id, placeholder: 'asst_…', 'aria-label': 'Assistant id', testid: 'runs-assistant-filter' });
  const model = h('input', { type: 'search', name: 'model', value: filters.model, placeholder: 'model', 'aria-label': 'Model', testid: 'runs-model-filter' });
  const form = h('form', { class: 'filters', testid: 'runs-filters' }, status, assistant, model, h('button', { type: 'submit' }, 'Filter'));

  const list = pagedTable({
    columns: COLUMNS,
    testid: 'runs-table',
    empty: 'No runs match.',
    fetchPage: (page) => api.runs({ ...filters, ...page }),
    row: runRow,
  });

  const apply = (e) => {
    e?.preventDefault();
    filters.status = status.value;
    filters.assistant_id = assistant.value.trim();
    filters.model = model.value.trim();
    ctx.setQuery(filters);
    list.reload();
  };
  form.addEventListener('submit', apply);
  status.addEventListener('change', apply);

  root.append(header('Runs'), form, list.element);
  await list.reload();
  return { reload: list.reload };
}
