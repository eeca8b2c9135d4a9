-- The core, re-founded: each thread keeps its queue state, so that claims and deadlines read one
-- indexed column instead of scanning runs; indexes for every scan of the scheduler and the
-- dispatcher; the columns that fence idempotency keys; a retention index for webhook events.

-- Maintained after every run transition (ThreadQueueRefresh).
ALTER TABLE threads ADD COLUMN active_run_id TEXT;
ALTER TABLE threads ADD COLUMN queued_runs INTEGER NOT NULL DEFAULT 0;
-- When the head of the queue may start; NULL while a run is active or nothing waits.
ALTER TABLE threads ADD COLUMN next_run_at_ms INTEGER;

UPDATE threads SET
    active_run_id = (SELECT r.id FROM runs r WHERE r.thread_id = threads.id
                     AND r.status IN ('in_progress', 'requires_action', 'cancelling')),
    queued_runs = (SELECT count(*) FROM runs r WHERE r.thread_id = threads.id AND r.status = 'queued');
UPDATE threads SET
    next_run_at_ms = (SELECT r.eligible_at_ms FROM runs r WHERE r.thread_id = threads.id AND r.status = 'queued'
                      ORDER BY r.queue_key LIMIT 1)
WHERE active_run_id IS NULL;

CREATE INDEX ix_threads_next_run ON threads (next_run_at_ms) WHERE next_run_at_ms IS NOT NULL;
DROP INDEX ix_runs_eligible;

-- The rescuer's and the expiry's scans, and their deadlines.
CREATE INDEX ix_runs_leased ON runs (lease_expires_at_ms) WHERE status IN ('in_progress', 'cancelling');
CREATE INDEX ix_runs_waiting_for_outputs ON runs (expires_at) WHERE status = 'requires_action';

-- An in-flight key belongs to the process that renews its lock, and to the request holding the token.
ALTER TABLE idempotency_keys ADD COLUMN owner TEXT;
ALTER TABLE idempotency_keys ADD COLUMN token TEXT;
CREATE INDEX ix_idempotency_keys_owner ON idempotency_keys (owner) WHERE state = 'in_flight';

-- Retention of delivered events, and the per-endpoint count of deliveries in flight.
CREATE INDEX ix_webhook_events_created ON webhook_events (created_at);
CREATE INDEX ix_webhook_deliveries_event ON webhook_deliveries (event_seq);
CREATE INDEX ix_webhook_deliveries_locked ON webhook_deliveries (endpoint_id, locked_until_ms) WHERE locked_until_ms IS NOT NULL;
