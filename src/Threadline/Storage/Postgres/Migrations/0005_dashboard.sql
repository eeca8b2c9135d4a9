-- The operator's dashboard (docs/dashboard.md): when a run's first token arrived, and the indexes
-- its reads need so that a page costs an index range however many runs, threads and deliveries
-- the database holds. Each index on runs is paid by every run write that changes its columns, so
-- there are as few as the filters allow: assistant_id, model and created_at_ms never change after
-- the insert, ended_at_ms is written once, and only (status, seq) moves with each transition.

-- Written with the status change that ends an execution (terminal or requires_action), never on
-- its own; NULL when the execution got no token.
ALTER TABLE runs ADD COLUMN first_token_at_ms bigint;

-- The status filter of the run list, newest first; also the live counts (one short range per
-- live status) and the oldest queued run (the first seq among the queued: seq is insertion order).
CREATE INDEX ix_runs_status ON runs (status, seq);
-- The assistant and model filters of the run list, newest first.
CREATE INDEX ix_runs_assistant ON runs (assistant_id, seq);
CREATE INDEX ix_runs_model ON runs (model, seq);
-- The run list's time window, read newest first in index order: the window needs no sort however many runs it holds.
CREATE INDEX ix_runs_created ON runs (created_at_ms, seq);
-- The last hour's per-minute statistics read only the runs that ended in it.
CREATE INDEX ix_runs_ended ON runs (ended_at_ms) WHERE ended_at_ms IS NOT NULL;

-- Thread search by external id across projects: ux_threads_external_id leads with project_id.
CREATE INDEX ix_threads_external_id ON threads (external_id) WHERE external_id IS NOT NULL;
-- Thread search by a metadata pair: containment over the metadata as jsonb (the column is text;
-- the cast is immutable). SQLite has no such index: there the search walks the threads newest first.
-- Without fastupdate: a pending list makes every search of the index look costly to the planner,
-- and after a few executions of the (auto-prepared) statement it settles on a generic plan that
-- walks every thread instead (measured: 45 ms instead of 0.02 at 100,000 threads).
CREATE INDEX ix_threads_metadata ON threads USING gin ((metadata::jsonb) jsonb_path_ops) WITH (fastupdate = off);

-- The delivery list's status filter, newest first (the endpoint filter has ix_webhook_deliveries_endpoint).
CREATE INDEX ix_webhook_deliveries_status ON webhook_deliveries (status, seq);
