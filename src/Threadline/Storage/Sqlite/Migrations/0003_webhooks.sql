-- Webhook endpoints, the durable outbox of events, and one delivery per event and endpoint.

CREATE TABLE webhook_endpoints (
    seq                       INTEGER PRIMARY KEY AUTOINCREMENT,
    id                        TEXT    NOT NULL UNIQUE,
    project_id                TEXT    NOT NULL,
    created_at                INTEGER NOT NULL,
    url                       TEXT    NOT NULL,
    description               TEXT,
    -- JSON array of event types; empty means every event.
    events                    TEXT    NOT NULL,
    secret                    TEXT    NOT NULL,
    -- During a rotation the old secret signs too, until previous_secret_expires_at_ms.
    previous_secret           TEXT,
    previous_secret_expires_at_ms INTEGER,
    enabled                   INTEGER NOT NULL DEFAULT 1,
    disabled_reason           TEXT,
    metadata                  TEXT    NOT NULL,
    -- Set for endpoints declared in configuration (Threadline:Webhooks:Endpoints).
    config_name               TEXT
);
CREATE INDEX ix_webhook_endpoints_project ON webhook_endpoints (project_id, seq);

-- Written in the same transaction as the state change it reports.
CREATE TABLE webhook_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    project_id TEXT    NOT NULL,
    thread_id  TEXT,
    type       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    payload    BLOB    NOT NULL
);

CREATE TABLE webhook_deliveries (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT    NOT NULL UNIQUE,
    event_seq          INTEGER NOT NULL,
    event_id           TEXT    NOT NULL,
    endpoint_id        TEXT    NOT NULL,
    project_id         TEXT    NOT NULL,
    thread_id          TEXT,
    -- pending, succeeded, failed (gave up or endpoint disabled)
    status             TEXT    NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    last_attempt_at_ms INTEGER,
    last_status_code   INTEGER,
    last_error         TEXT,
    created_at_ms      INTEGER NOT NULL,
    delivered_at_ms    INTEGER,
    locked_by          TEXT,
    locked_until_ms    INTEGER
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at_ms) WHERE status = 'pending';
CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
CREATE INDEX ix_webhook_deliveries_order ON webhook_deliveries (endpoint_id, thread_id, event_seq) WHERE status = 'pending';
