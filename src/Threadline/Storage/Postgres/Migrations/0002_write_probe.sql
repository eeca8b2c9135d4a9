-- Readiness's own write while writes are refused for want of space (IStore.WriteProbeAsync): one row, rewritten.
CREATE TABLE write_probe (
    id           integer PRIMARY KEY CHECK (id = 1),
    probed_at_ms bigint NOT NULL,
    headroom     bytea  NOT NULL
);
