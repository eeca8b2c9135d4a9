// One run: its facts, timeline (local time with milliseconds), steps, and its live events while it runs.
import { api, confirmed } from './api.js';
import { followRun, throttle } from './live.js';
import { h, fill, header, id, badge, facts, table, emptyRow, threadHref, time, timeSec, duration, errorBox } from './ui.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'expired', 'incomplete']);
const CANCELLABLE = new Set(['queued', 'in_progress', 'requires_action']);
const FOLLOWED = new Set(['queued', 'in_progress', 'cancelling']);

function json(value) {
  return h('pre', { class: 'json' }, JSON.stringify(value, null, 2));
}

export async function render(root, ctx) {
  const runId = ctx.params.runId;
  const statusSlot = h('span', { testid: 'run-status' }, badge('…'));
  const cancel = h('button', { type: 'button', class: 'danger', testid: 'cancel-run', hidden: true }, 'Cancel run');
  const summary = h('section', { class: 'panel' });
  const { table: timelineTable, body: timelineBody } = table(['Event', 'Local time', 'After created', 'After previous'], 'timeline');
  const { table: stepsTable, body: stepsBody } = table(['Step', 'Type', 'Status', 'Created', 'Completed', 'Details'], 'steps');
  const { table: eventsTable, body: eventsBody } = table(['Received', 'Event', 'Data'], 'run-events');
  const liveText = h('pre', { class: 'live-text', testid: 'live-text', hidden: true });
  const liveNote = h('p', { class: 'muted small', testid: 'live-note' }, 'Waiting for the run…');
  fill(eventsBody, emptyRow(3, 'No live events yet.'));

  root.append(
    header(`Run ${runId}`, h('span', { class: 'big-status' }, statusSlot), cancel),
    summary,
    h('section', { class: 'panel' }, h('h2', null, 'Timeline'), h('div', { class: 'table-wrap' }, timelineTable)),
    h('section', { class: 'panel' }, h('h2', null, 'Steps'), h('div', { class: 'table-wrap' }, stepsTable)),
    h('section', { class: 'panel' }, h('h2', null, 'Live events'), liveNote, liveText, h('div', { class: 'table-wrap' }, eventsTable)),
  );

  let token = 0;
  let closeEvents = null;
  let sawEvent = false;

  const setStatus = (value) => {
    fill(statusSlot, badge(value));
    cancel.hidden = !CANCELLABLE.has(value);
  };

  const logEvent = (name, data, atMs) => {
    if (!sawEvent) {
      sawEvent = true;
      fill(eventsBody);
    }
    eventsBody.append(
      h('tr', { testid: 'run-event', dataset: { event: name } },
        h('td', { class: 'nowrap mono' }, time(atMs ?? Date.now(), { ms: true })),
        h('td', null, h('span', { class: 'tag' }, name)),
        h('td', { class: 'mono small' }, data === undefined ? '' : JSON.stringify(data)),
      ),
    );
  };

  const load = async () => {
    const mine = ++token;
    let d;
    try {
      d = await api.run(runId);
    } catch (e) {
      if (mine === token) fill(summary, errorBox(e));
      return;
    }
    if (mine !== token) return;
    const r = d.run;
    setStatus(r.status);
    fill(summary,
      facts([
        ['Id', id(r.id, null, 'run-id')],
        ['Kind', r.object === 'response' ? 'response (Responses API)' : 'run (Assistants API)'],
        ['Thread', id(r.thread_id, r.thread_id ? threadHref(r.thread_id) : null)],
        ['Project', h('span', { class: 'mono' }, r.project_id ?? '—')],
        ['Assistant', id(r.assistant_id)],
        ['Model', h('span', { class: 'mono' }, r.model ?? '—')],
        ['Attempt', String(r.attempt ?? '—')],
        ['Debounce', r.debounce_ms ? `${duration(r.debounce_ms)} (max wait ${duration(r.max_wait_ms)})` : '—'],
        ['Lease', r.lease_owner
          ? h('span', null, id(r.lease_owner), r.lease_expires_at_ms ? ` until ${time(r.lease_expires_at_ms, { ms: true })}` : ' (released)')
          : '—'],
        ['Last error', r.last_error ? h('span', { class: 'bad-text', testid: 'run-error' }, `${r.last_error.code}: ${r.last_error.message}`) : '—'],
        r.incomplete_reason ? ['Incomplete', r.incomplete_reason] : null,
        ['Usage', r.usage ? `${r.usage.prompt_tokens} prompt + ${r.usage.completion_tokens} completion = ${r.usage.total_tokens} tokens` : '—'],
      ]),
    );

    const created = (d.timeline ?? []).find((e) => e.label === 'created')?.at_ms ?? r.created_at_ms;
    let previous = null;
    const timeline = d.timeline ?? [];
    fill(timelineBody, timeline.length
      ? timeline.map((e) => {
          const tr = h('tr', { testid: 'timeline-row', dataset: { label: e.label } },
            h('td', null, TERMINAL.has(e.label) || e.label === 'cancelling' ? badge(e.label) : e.label),
            h('td', { class: 'mono nowrap' }, time(e.at_ms, { ms: true })),
            h('td', { class: 'num' }, e.at_ms !== null && created !== null ? duration(e.at_ms - created) : '—'),
            h('td', { class: 'num' }, previous !== null && e.at_ms !== null ? duration(e.at_ms - previous) : '—'),
          );
          if (e.at_ms !== null && e.at_ms !== undefined) previous = e.at_ms;
          return tr;
        })
      : emptyRow(4, 'No timeline.'));

    const steps = d.steps ?? [];
    fill(stepsBody, steps.length
      ? steps.map((st) =>
          h('tr', { testid: 'step-row', dataset: { stepId: st.id } },
            h('td', null, id(st.id)),
            h('td', null, st.type),
            h('td', null, badge(st.status)),
            h('td', { class: 'nowrap' }, timeSec(st.created_at)),
            h('td', { class: 'nowrap' }, timeSec(st.completed_at)),
            h('td', null, st.details ? h('details', null, h('summary', null, 'details'), json(st.details)) : '—'),
          ))
      : emptyRow(6, 'No steps yet.'));

    // Follow the run while it is queued or executing; its stream ends when it ends or waits for tool
    // outputs, and opens again if it goes on after them.
    if (FOLLOWED.has(r.status)) {
      if (!closeEvents) follow();
    } else if (!closeEvents) {
      liveNote.textContent = TERMINAL.has(r.status)
        ? (sawEvent ? 'The run has ended.' : 'The run has ended; its live events show while it runs with this page open.')
        : 'The run waits for tool outputs.';
    }
  };

  const reloadSoon = throttle(load, 300);

  const follow = () => {
    liveNote.textContent = 'Following the run live…';
    closeEvents = followRun(runId, {
      status: (e) => {
        logEvent('status', e, e.at_ms);
        if (e.status) setStatus(e.status);
        reloadSoon();
      },
      step: (e) => {
        logEvent('step', e);
        reloadSoon();
      },
      text: (e) => {
        logEvent('text', e);
        liveText.hidden = false;
        liveText.textContent += e.delta ?? '';
      },
      message: (e) => {
        logEvent('message', e);
      },
      reopen: () => {
        logEvent('reconnected');
        liveText.textContent = '';
      },
      end: () => {
        logEvent('done');
        closeEvents = null;
        liveNote.textContent = 'The run has ended.';
        reloadSoon();
      },
      error: () => {
        closeEvents = null;
        liveNote.textContent = 'The live event stream closed.';
      },
    });
  };

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    const result = await confirmed(`Cancel run ${runId}?`, () => api.cancelRun(runId), ctx.notify);
    cancel.disabled = false;
    if (result?.status) setStatus(result.status);
    reloadSoon();
  });

  await load();
  return {
    reload: load,
    dispose: () => {
      reloadSoon.cancel();
      closeEvents?.();
    },
  };
}
