// Webhook endpoints (disable / enable) and their deliveries (replay), newest first.
import { api, confirmed } from './api.js';
import { h, fill, header, id, badge, table, emptyRow, threadHref, when, relative, pagedTable, errorBox } from './ui.js';

const ENDPOINT_COLUMNS = ['Endpoint', 'URL', 'Description', 'Events', 'State', 'Pending', ''];
const DELIVERY_COLUMNS = ['Delivery', 'Event', 'Status', 'Last attempt', ''];
const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'];

/** When the last attempt was and what it got: the HTTP status, else the coarse error. */
function lastAttempt(d) {
  if (!d.last_attempt_at_ms && !d.last_status_code && !d.last_error) return h('span', { class: 'muted' }, '—');
  const code = d.last_status_code;
  const answer = code ? `HTTP ${code}` : null;
  return [
    h('div', null, when(d.last_attempt_at_ms)),
    // The error often begins with the answer ("HTTP 500; gave up ..."): then it alone is shown.
    answer && !d.last_error?.startsWith(answer) ? h('div', { class: `small ${code < 300 ? 'ok-text' : 'bad-text'}` }, answer) : null,
    d.last_error ? h('div', { class: 'bad-text small' }, d.last_error) : null,
  ];
}

export async function render(root, ctx) {
  const filters = { status: ctx.query.get('status') ?? '', endpoint_id: ctx.query.get('endpoint_id') ?? '' };
  const { table: endpointsTable, body: endpointsBody } = table(ENDPOINT_COLUMNS, 'endpoints-table');
  const endpointsStatus = h('div');

  const statusFilter = h('select', { name: 'status', 'aria-label': 'Delivery status', testid: 'deliveries-status-filter' },
    h('option', { value: '' }, 'any status'),
    DELIVERY_STATUSES.map((st) => h('option', { value: st, selected: st === filters.status }, st)));
  const endpointFilter = h('select', { name: 'endpoint_id', 'aria-label': 'Endpoint', testid: 'deliveries-endpoint-filter' }, h('option', { value: '' }, 'any endpoint'));

  const toggle = async (e) => {
    const verb = e.enabled ? 'Disable' : 'Enable';
    const done = await confirmed(
      `${verb} deliveries to ${e.url}?`,
      () => (e.enabled ? api.disableEndpoint(e.id) : api.enableEndpoint(e.id)),
      ctx.notify,
    );
    if (done) load();
  };

  const replay = async (button, d) => {
    button.disabled = true;
    const done = await confirmed(`Send delivery ${d.id} (${d.event_type}) again now?`, () => api.replayDelivery(d.id), ctx.notify);
    button.disabled = false;
    if (done) deliveries.reload();
  };

  const deliveries = pagedTable({
    columns: DELIVERY_COLUMNS,
    testid: 'deliveries-table',
    empty: 'No deliveries match.',
    fetchPage: (page) => api.deliveries({ ...filters, ...page }),
    row: (d) => {
      const button = h('button', { type: 'button', class: 'small-button', testid: 'replay-delivery' }, 'Replay');
      button.addEventListener('click', () => replay(button, d));
      return h('tr', { testid: 'delivery-row', dataset: { deliveryId: d.id, endpointId: d.endpoint_id, status: d.status } },
        h('td', null, id(d.id), h('div', { class: 'sub' }, 'to ', id(d.endpoint_id)), h('div', { class: 'sub' }, 'made ', when(d.created_at_ms))),
        h('td', null, h('div', { class: 'mono', title: d.event_id ?? '' }, d.event_type ?? '—'), d.thread_id ? h('div', { class: 'sub' }, 'on ', id(d.thread_id, threadHref(d.thread_id))) : null),
        h('td', null,
          h('span', { testid: 'delivery-status' }, badge(d.status)),
          h('div', { class: 'sub' }, h('span', { testid: 'delivery-attempts' }, String(d.attempts ?? 0)), d.attempts === 1 ? ' attempt' : ' attempts'),
          d.status === 'pending' && d.next_attempt_at_ms ? h('div', { class: 'sub' }, 'next ', relative(d.next_attempt_at_ms)) : null,
          d.delivered_at_ms ? h('div', { class: 'sub ok-text' }, 'delivered ', when(d.delivered_at_ms)) : null),
        h('td', { testid: 'delivery-last', class: 'last-attempt' }, lastAttempt(d)),
        h('td', null, button),
      );
    },
  });

  const loadEndpoints = async () => {
    let list;
    try {
      list = (await api.webhooks()).data ?? [];
    } catch (e) {
      fill(endpointsStatus, errorBox(e));
      return;
    }
    fill(endpointsStatus);
    fill(endpointsBody, list.length
      ? list.map((e) => {
          const button = h('button', { type: 'button', class: e.enabled ? 'small-button danger' : 'small-button', testid: 'endpoint-toggle' }, e.enabled ? 'Disable' : 'Enable');
          button.addEventListener('click', () => toggle(e));
          return h('tr', { testid: 'endpoint-row', dataset: { endpointId: e.id, enabled: String(!!e.enabled) } },
            h('td', null, id(e.id)),
            h('td', { class: 'mono url' }, e.url),
            h('td', null, e.description || h('span', { class: 'muted' }, '—')),
            h('td', { class: 'mono small' }, (e.events ?? []).length ? e.events.join(', ') : 'all events'),
            h('td', { testid: 'endpoint-state' }, badge(e.enabled ? 'enabled' : 'disabled'), e.disabled_reason ? h('div', { class: 'muted small' }, e.disabled_reason) : null),
            h('td', { class: 'num' }, String(e.pending ?? 0)),
            h('td', null, button),
          );
        })
      : emptyRow(ENDPOINT_COLUMNS.length, 'No webhook endpoints.'));
    // The endpoint filter follows the list, keeping the choice.
    fill(endpointFilter, h('option', { value: '' }, 'any endpoint'),
      list.map((e) => h('option', { value: e.id, selected: e.id === filters.endpoint_id }, `${e.id} ${e.url}`)));
  };

  const apply = () => {
    filters.status = statusFilter.value;
    filters.endpoint_id = endpointFilter.value;
    ctx.setQuery(filters);
    deliveries.reload();
  };
  statusFilter.addEventListener('change', apply);
  endpointFilter.addEventListener('change', apply);

  root.append(
    header('Webhooks'),
    h('section', { class: 'panel' }, h('h2', null, 'Endpoints'), endpointsStatus, h('div', { class: 'table-wrap' }, endpointsTable)),
    h('section', { class: 'panel' }, h('h2', null, 'Deliveries'), h('div', { class: 'filters' }, statusFilter, endpointFilter), deliveries.element),
  );
  const load = () => Promise.all([loadEndpoints(), deliveries.reload()]);
  await load();
  return { reload: load };
}
