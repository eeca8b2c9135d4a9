-- Threadline schema, SQLite dialect. JSON-valued fields are stored as text.
-- seq columns order objects in lists: ids are random and many objects share a second.

CREATE TABLE assistants (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT    NOT NULL UNIQUE,
    project_id       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    name             TEXT,
    description      TEXT,
    model            TEXT    NOT NULL,
    instructions     TEXT,
    tools            TEXT    NOT NULL,
    tool_resources   TEXT,
    metadata         TEXT    NOT NULL,
    temperature      REAL,
    top_p            REAL,
    response_format  TEXT,
    reasoning_effort TEXT
);
CREATE INDEX ix_assistants_project ON assistants (project_id, seq);

CREATE TABLE threads (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT    NOT NULL UNIQUE,
    project_id     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    external_id    TEXT,
    tool_resources TEXT,
    metadata       TEXT    NOT NULL,
    -- The last position handed to a message added through the API (see messages.position).
    last_position  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_threads_project ON threads (project_id, seq);
CREATE UNIQUE INDEX ux_threads_external_id ON threads (project_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE messages (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT    NOT NULL UNIQUE,
    project_id         TEXT    NOT NULL,
    thread_id          TEXT    NOT NULL,
    -- Order within the thread: API messages take (threads.last_position + 1) << 16;
    -- a run's reply takes the position right after the last message the run saw.
    position           INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    status             TEXT    NOT NULL,
    incomplete_reason  TEXT,
    completed_at       INTEGER,
    incomplete_at      INTEGER,
    role               TEXT    NOT NULL,
    content            TEXT    NOT NULL,
    assistant_id       TEXT,
    run_id             TEXT,
    attachments        TEXT,
    metadata           TEXT    NOT NULL
);
CREATE INDEX ix_messages_thread ON messages (thread_id, position, seq);
CREATE INDEX ix_messages_run ON messages (run_id) WHERE run_id IS NOT NULL;

CREATE TABLE runs (
    seq                     INTEGER PRIMARY KEY AUTOINCREMENT,
    id                      TEXT    NOT NULL UNIQUE,
    project_id              TEXT    NOT NULL,
    thread_id               TEXT    NOT NULL,
    assistant_id            TEXT    NOT NULL,
    status                  TEXT    NOT NULL,
    created_at              INTEGER NOT NULL,
    started_at              INTEGER,
    expires_at              INTEGER,
    cancelled_at            INTEGER,
    failed_at               INTEGER,
    completed_at            INTEGER,
    required_action         TEXT,
    last_error_code         TEXT,
    last_error_message      TEXT,
    incomplete_reason       TEXT,
    model                   TEXT    NOT NULL,
    instructions            TEXT,
    additional_instructions TEXT,
    tools                   TEXT    NOT NULL,
    metadata                TEXT    NOT NULL,
    prompt_tokens           INTEGER,
    completion_tokens       INTEGER,
    temperature             REAL,
    top_p                   REAL,
    max_prompt_tokens       INTEGER,
    max_completion_tokens   INTEGER,
    truncation_strategy     TEXT    NOT NULL,
    tool_choice             TEXT    NOT NULL,
    parallel_tool_calls     INTEGER NOT NULL,
    response_format         TEXT    NOT NULL,
    reasoning_effort        TEXT,
    -- The queue. Runs of a thread start in queue_key order (creation order, unless a run
    -- interrupted the thread and was put first).
    queue_key               INTEGER NOT NULL,
    debounce_ms             INTEGER NOT NULL DEFAULT 0,
    max_wait_ms             INTEGER NOT NULL DEFAULT 0,
    created_at_ms           INTEGER NOT NULL,
    eligible_at_ms          INTEGER NOT NULL,
    started_at_ms           INTEGER,
    ended_at_ms             INTEGER,
    -- The executor's lease (I5) and the thread position the run saw when it started (I4).
    lease_owner             TEXT,
    lease_expires_at_ms     INTEGER,
    context_position        INTEGER,
    attempt                 INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_runs_thread ON runs (thread_id, seq);
CREATE INDEX ix_runs_queued ON runs (thread_id, queue_key) WHERE status = 'queued';
CREATE INDEX ix_runs_eligible ON runs (eligible_at_ms) WHERE status = 'queued';
-- I1: at most one active run per thread, whatever the number of server processes.
CREATE UNIQUE INDEX ux_runs_one_active_per_thread ON runs (thread_id)
    WHERE status IN ('in_progress', 'requires_action', 'cancelling');

CREATE TABLE run_steps (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT    NOT NULL UNIQUE,
    project_id         TEXT    NOT NULL,
    thread_id          TEXT    NOT NULL,
    run_id             TEXT    NOT NULL,
    assistant_id       TEXT    NOT NULL,
    type               TEXT    NOT NULL,
    status             TEXT    NOT NULL,
    step_details       TEXT    NOT NULL,
    last_error_code    TEXT,
    last_error_message TEXT,
    created_at         INTEGER NOT NULL,
    expired_at         INTEGER,
    cancelled_at       INTEGER,
    failed_at          INTEGER,
    completed_at       INTEGER,
    metadata           TEXT    NOT NULL,
    prompt_tokens      INTEGER,
    completion_tokens  INTEGER
);
CREATE INDEX ix_run_steps_run ON run_steps (run_id, seq);
CREATE INDEX ix_run_steps_thread ON run_steps (thread_id);
