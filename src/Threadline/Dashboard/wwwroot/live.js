// Live updates: one EventSource on /dashboard/api/events for the whole page ("change" → the current
// view reloads its data, throttled), and one per run page on /dashboard/api/runs/{id}/events.
import { api, session } from './api.js';

const MIN_INTERVAL_MS = 750;

/**
 * Calls `fn` at most once per MIN_INTERVAL_MS, never twice at once, and once more after a burst
 * (trailing call), so the last change is always shown.
 */
export function throttle(fn, interval = MIN_INTERVAL_MS) {
  let running = false;
  let pending = false;
  let last = 0;
  let timer = null;
  const run = async () => {
    timer = null;
    running = true;
    pending = false;
    last = Date.now();
    try {
      await fn();
    } catch {
      // the view shows its own errors
    } finally {
      running = false;
      if (pending) schedule();
    }
  };
  const schedule = () => {
    pending = true;
    if (running || timer) return;
    timer = setTimeout(run, Math.max(0, last + interval - Date.now()));
  };
  schedule.cancel = () => {
    clearTimeout(timer);
    timer = null;
    pending = false;
  };
  return schedule;
}

/**
 * Opens the page-wide change stream. `onChange` is called (throttled) on every `change`;
 * `onState` with 'live' | 'connecting' | 'offline'.
 */
export function startLive(onChange, onState) {
  let source = null;
  let retry = null;
  const throttled = throttle(onChange);
  const open = () => {
    onState?.('connecting');
    source = new EventSource(api.eventsUrl());
    source.addEventListener('open', () => onState?.('live'));
    source.addEventListener('change', () => throttled());
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) {
        onState?.('connecting');
        return;
      }
      // Closed for good (e.g. a 401): find out whether the session is gone (api.js then goes to the
      // sign-in page), else try again in a while.
      onState?.('offline');
      session({ refresh: true })
        .then(() => {
          retry = setTimeout(open, 3000);
        })
        .catch(() => {});
    });
  };
  open();
  return () => {
    clearTimeout(retry);
    throttled.cancel();
    source?.close();
  };
}

/**
 * Follows one run's live events. `handlers` has optional status, step, text, message, end, reopen,
 * each called with the parsed data (end and reopen with none). Closes itself at the stream's end (`done`). Returns a close function.
 */
export function followRun(runId, handlers) {
  const source = new EventSource(api.runEventsUrl(runId));
  let ended = false;
  for (const name of ['status', 'step', 'text', 'message']) {
    source.addEventListener(name, (e) => {
      let data;
      try {
        data = JSON.parse(e.data);
      } catch {
        data = { raw: e.data };
      }
      handlers[name]?.(data);
    });
  }
  // A stream that ends without `done` (its node is stopping) is opened again by the EventSource, and
  // carries the run's current attempt from its start: `open` tells the page to start its text again.
  let opened = false;
  source.addEventListener('open', () => {
    if (opened) handlers.reopen?.();
    opened = true;
  });
  // The stream ends with `done` (data [DONE]), as the API's streams do.
  source.addEventListener('done', () => {
    if (ended) return;
    ended = true;
    source.close();
    handlers.end?.();
  });
  source.addEventListener('error', () => {
    if (!ended && source.readyState === EventSource.CLOSED) handlers.error?.();
  });
  return () => source.close();
}
