// The overview: what is live now, the oldest waiting run, the last hour's outcomes and three charts.
import { api } from './api.js';
import { barChart, lineChart, msLabel } from './charts.js';
import { h, fill, header, id, runHref, threadHref, duration, time, errorBox } from './ui.js';

function card(label, value, testid, cls = '') {
  return h('div', { class: `card ${cls}` }, h('div', { class: 'card-label' }, label), h('div', { class: 'card-value', testid }, String(value ?? 0)));
}

export async function render(root) {
  const body = h('div', { class: 'overview' });
  root.append(header('Overview'), body);

  const load = async () => {
    let o;
    try {
      o = await api.overview();
    } catch (e) {
      fill(body, errorBox(e));
      return;
    }
    const live = o.live ?? {};
    const hour = o.last_hour ?? {};
    const minutes = o.minutes ?? [];
    const labels = minutes.map((m) => m.minute_ms);
    // A time per minute (`avg_<key>_ms`, `max_<key>_ms`), its average and maximum as two lines.
    const msChart = (title, testid, key) =>
      lineChart({
        title,
        labels,
        width: 500,
        testid,
        format: msLabel,
        series: [
          { name: 'average', cls: 'c-1', values: minutes.map((m) => m[`avg_${key}_ms`]) },
          { name: 'max', cls: 'c-2', values: minutes.map((m) => m[`max_${key}_ms`]) },
        ],
      });
    const waiting = o.oldest_waiting;
    fill(
      body,
      h('section', { class: 'cards', testid: 'live-counts' },
        card('Queued', live.queued, 'count-queued', 'wait'),
        card('In progress', live.in_progress, 'count-in_progress', 'busy'),
        card('Requires action', live.requires_action, 'count-requires_action', 'warn'),
        card('Cancelling', live.cancelling, 'count-cancelling', 'warn'),
        card('Completed (1 h)', hour.completed, 'count-completed', 'ok'),
        card('Failed (1 h)', hour.failed, 'count-failed', 'bad'),
        card('Other ends (1 h)', hour.other, 'count-other', 'mute'),
      ),
      h('section', { class: 'panel', testid: 'oldest-waiting' },
        h('h2', null, 'Oldest waiting run'),
        waiting
          ? h('p', null, id(waiting.run_id, runHref(waiting.run_id)), ' on ', id(waiting.thread_id, threadHref(waiting.thread_id)),
              ` has waited ${duration(waiting.waiting_ms)} (made ${time(waiting.created_at_ms)}, eligible ${time(waiting.eligible_at_ms)})`)
          : h('p', { class: 'muted' }, 'No run is waiting.'),
      ),
      h('section', { class: 'charts' },
        barChart({
          title: 'Runs ended per minute',
          labels,
          width: 1000,
          testid: 'chart-runs',
          series: [
            { name: 'completed', cls: 'c-ok', values: minutes.map((m) => m.completed) },
            { name: 'failed', cls: 'c-bad', values: minutes.map((m) => m.failed) },
            { name: 'other', cls: 'c-mute', values: minutes.map((m) => m.other) },
          ],
        }),
        msChart('Queue wait', 'chart-wait', 'wait'),
        msChart('Time to first token', 'chart-ttft', 'first_token'),
      ),
      h('p', { class: 'muted small' }, `Last 60 minutes, as of ${time(o.now_ms)} on node `, h('span', { class: 'id' }, o.node ?? '?'), '.'),
    );
  };
  await load();
  return { reload: load };
}
