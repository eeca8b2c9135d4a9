-- Readiness's own write while writes are refused for want of space (IStore.WriteProbeAsync): one row, rewritten.
CREATE TABLE write_probe (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at_ms INTEGER NOT NULL,
    headroom     BLOB    NOT NULL
);
