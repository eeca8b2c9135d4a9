-- Idempotency-Key records: one per project, operation and key, until expires_at_ms.
CREATE TABLE idempotency_keys (
    project_id       TEXT    NOT NULL,
    operation        TEXT    NOT NULL,
    key              TEXT    NOT NULL,
    request_hash     TEXT    NOT NULL,
    -- 'in_flight' while the first request runs (locked until locked_until_ms), then 'done'.
    state            TEXT    NOT NULL,
    locked_until_ms  INTEGER,
    response_status  INTEGER,
    response_headers TEXT,
    response_body    BLOB,
    created_at_ms    INTEGER NOT NULL,
    expires_at_ms    INTEGER NOT NULL,
    PRIMARY KEY (project_id, operation, key)
);
CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_at_ms);
