// The processes holding leases (runs being executed, deliveries being sent, files being processed).
import { api } from './api.js';
import { h, fill, header, id, table, emptyRow, time, relative, errorBox } from './ui.js';

const COLUMNS = ['Node', 'Runs', 'Deliveries', 'Files', 'Next lease lapses'];

export async function render(root) {
  const { table: grid, body } = table(COLUMNS, 'nodes-table');
  const status = h('div');
  const note = h('p', { class: 'muted small' });
  root.append(header('Nodes'), h('section', { class: 'panel' }, note, status, h('div', { class: 'table-wrap' }, grid)));

  const load = async () => {
    let d;
    try {
      d = await api.nodes();
    } catch (e) {
      fill(status, errorBox(e));
      return;
    }
    fill(status);
    fill(note, 'This page is served by ', h('span', { class: 'id', testid: 'this-node' }, d.node ?? '?'), '. A node appears here while it holds a lease.');
    const list = d.data ?? [];
    fill(body, list.length
      ? list.map((n) =>
          h('tr', { testid: 'node-row', dataset: { owner: n.owner } },
            h('td', null, id(n.owner), n.this_node ? h('span', { class: 'tag' }, 'this node') : null),
            h('td', { class: 'num' }, String(n.runs ?? 0)),
            h('td', { class: 'num' }, String(n.deliveries ?? 0)),
            h('td', { class: 'num' }, String(n.files ?? 0)),
            h('td', { class: 'nowrap' }, n.next_lapse_at_ms ? `${time(n.next_lapse_at_ms)} (${relative(n.next_lapse_at_ms)})` : '—'),
          ))
      : emptyRow(COLUMNS.length, 'No process holds a lease: nothing is running.'));
  };
  await load();
  return { reload: load };
}
