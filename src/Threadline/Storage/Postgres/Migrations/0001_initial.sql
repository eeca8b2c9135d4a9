-- Threadline schema, PostgreSQL dialect. JSON-valued fields are stored as text (kept raw; read as jsonb where filtered).
-- seq columns order objects in lists: ids are random and many objects share a second.

CREATE TABLE assistants (
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id               text    NOT NULL UNIQUE,
    project_id       text    NOT NULL,
    created_at       bigint NOT NULL,
    name             text,
    description      text,
    model            text    NOT NULL,
    instructions     text,
    tools            text    NOT NULL,
    tool_resources   text,
    metadata         text    NOT NULL,
    temperature      double precision,
    top_p            double precision,
    response_format  text,
    reasoning_effort text
);
CREATE INDEX ix_assistants_project ON assistants (project_id, seq);

CREATE TABLE threads (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             text    NOT NULL UNIQUE,
    project_id     text    NOT NULL,
    created_at     bigint NOT NULL,
    external_id    text,
    tool_resources text,
    metadata       text    NOT NULL,
    -- The last position handed to a message added through the API (see messages.position).
    last_position  bigint NOT NULL DEFAULT 0,
    -- The thread's queue state, kept by every run transition (ThreadQueueRefresh).
    active_run_id  text,
    queued_runs    bigint NOT NULL DEFAULT 0,
    -- When the head of the queue may start; NULL while a run is active or nothing waits.
    next_run_at_ms bigint
);
CREATE INDEX ix_threads_project ON threads (project_id, seq);
CREATE UNIQUE INDEX ux_threads_external_id ON threads (project_id, external_id) WHERE external_id IS NOT NULL;

CREATE TABLE messages (
    seq                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                 text    NOT NULL UNIQUE,
    project_id         text    NOT NULL,
    thread_id          text    NOT NULL,
    -- Order within the thread: API messages take (threads.last_position + 1) << 16;
    -- a run's reply takes the position right after the last message the run saw.
    position           bigint NOT NULL,
    created_at         bigint NOT NULL,
    status             text    NOT NULL,
    incomplete_reason  text,
    completed_at       bigint,
    incomplete_at      bigint,
    role               text    NOT NULL,
    content            text    NOT NULL,
    assistant_id       text,
    run_id             text,
    attachments        text,
    metadata           text    NOT NULL
);
CREATE INDEX ix_messages_thread ON messages (thread_id, position, seq);
CREATE INDEX ix_messages_run ON messages (run_id) WHERE run_id IS NOT NULL;

CREATE TABLE runs (
    seq                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                      text    NOT NULL UNIQUE,
    project_id              text    NOT NULL,
    thread_id               text    NOT NULL,
    assistant_id            text    NOT NULL,
    status                  text    NOT NULL,
    created_at              bigint NOT NULL,
    started_at              bigint,
    expires_at              bigint,
    cancelled_at            bigint,
    failed_at               bigint,
    completed_at            bigint,
    required_action         text,
    last_error_code         text,
    last_error_message      text,
    incomplete_reason       text,
    model                   text    NOT NULL,
    instructions            text,
    additional_instructions text,
    tools                   text    NOT NULL,
    metadata                text    NOT NULL,
    prompt_tokens           bigint,
    completion_tokens       bigint,
    temperature             double precision,
    top_p                   double precision,
    max_prompt_tokens       bigint,
    max_completion_tokens   bigint,
    truncation_strategy     text    NOT NULL,
    tool_choice             text    NOT NULL,
    parallel_tool_calls     bigint NOT NULL,
    response_format         text    NOT NULL,
    reasoning_effort        text,
    -- The queue. Runs of a thread start in queue_key order (creation order, unless a run
    -- interrupted the thread and was put first).
    queue_key               bigint NOT NULL,
    debounce_ms             bigint NOT NULL DEFAULT 0,
    max_wait_ms             bigint NOT NULL DEFAULT 0,
    created_at_ms           bigint NOT NULL,
    eligible_at_ms          bigint NOT NULL,
    started_at_ms           bigint,
    ended_at_ms             bigint,
    -- The executor's lease (I5) and the thread position the run saw when it started (I4).
    lease_owner             text,
    lease_expires_at_ms     bigint,
    context_position        bigint,
    attempt                 bigint NOT NULL DEFAULT 0
);
CREATE INDEX ix_runs_thread ON runs (thread_id, seq);
CREATE INDEX ix_runs_queued ON runs (thread_id, queue_key) WHERE status = 'queued';
-- I1: at most one active run per thread, whatever the number of server processes.
CREATE UNIQUE INDEX ux_runs_one_active_per_thread ON runs (thread_id)
    WHERE status IN ('in_progress', 'requires_action', 'cancelling');

CREATE TABLE run_steps (
    seq                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                 text    NOT NULL UNIQUE,
    project_id         text    NOT NULL,
    thread_id          text    NOT NULL,
    run_id             text    NOT NULL,
    assistant_id       text    NOT NULL,
    type               text    NOT NULL,
    status             text    NOT NULL,
    step_details       text    NOT NULL,
    last_error_code    text,
    last_error_message text,
    created_at         bigint NOT NULL,
    expired_at         bigint,
    cancelled_at       bigint,
    failed_at          bigint,
    completed_at       bigint,
    metadata           text    NOT NULL,
    prompt_tokens      bigint,
    completion_tokens  bigint
);
CREATE INDEX ix_run_steps_run ON run_steps (run_id, seq);
CREATE INDEX ix_run_steps_thread ON run_steps (thread_id);

-- Idempotency-Key records: one per project, operation and key, until expires_at_ms.
CREATE TABLE idempotency_keys (
    project_id       text    NOT NULL,
    operation        text    NOT NULL,
    key              text    NOT NULL,
    request_hash     text    NOT NULL,
    -- 'in_flight' while the first request runs (locked until locked_until_ms), then 'done'.
    state            text    NOT NULL,
    locked_until_ms  bigint,
    -- The process that renews the lock while the request runs, and the request's own claim.
    owner            text,
    token            text,
    response_status  bigint,
    response_headers text,
    response_body    bytea,
    created_at_ms    bigint NOT NULL,
    expires_at_ms    bigint NOT NULL,
    PRIMARY KEY (project_id, operation, key)
);
CREATE INDEX ix_idempotency_keys_expires ON idempotency_keys (expires_at_ms);

-- Webhook endpoints, the durable outbox of events, and one delivery per event and endpoint.

CREATE TABLE webhook_endpoints (
    seq                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                        text    NOT NULL UNIQUE,
    project_id                text    NOT NULL,
    created_at                bigint NOT NULL,
    url                       text    NOT NULL,
    description               text,
    -- JSON array of event types; empty means every event.
    events                    text    NOT NULL,
    secret                    text    NOT NULL,
    -- During a rotation the old secret signs too, until previous_secret_expires_at_ms.
    previous_secret           text,
    previous_secret_expires_at_ms bigint,
    enabled                   bigint NOT NULL DEFAULT 1,
    disabled_reason           text,
    metadata                  text    NOT NULL,
    -- Set for endpoints declared in configuration (Threadline:Webhooks:Endpoints).
    config_name               text
);
CREATE INDEX ix_webhook_endpoints_project ON webhook_endpoints (project_id, seq);
-- Several nodes start with the same configuration: one endpoint per configured name.
CREATE UNIQUE INDEX ux_webhook_endpoints_config ON webhook_endpoints (project_id, config_name) WHERE config_name IS NOT NULL;

-- Written in the same transaction as the state change it reports.
CREATE TABLE webhook_events (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text    NOT NULL UNIQUE,
    project_id text    NOT NULL,
    thread_id  text,
    type       text    NOT NULL,
    created_at bigint NOT NULL,
    payload    bytea    NOT NULL
);

CREATE TABLE webhook_deliveries (
    seq                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                 text    NOT NULL UNIQUE,
    event_seq          bigint NOT NULL,
    event_id           text    NOT NULL,
    endpoint_id        text    NOT NULL,
    project_id         text    NOT NULL,
    thread_id          text,
    -- pending, succeeded, failed (gave up or endpoint disabled)
    status             text    NOT NULL,
    attempts           bigint NOT NULL DEFAULT 0,
    next_attempt_at_ms bigint NOT NULL,
    last_attempt_at_ms bigint,
    last_status_code   bigint,
    last_error         text,
    created_at_ms      bigint NOT NULL,
    delivered_at_ms    bigint,
    locked_by          text,
    locked_until_ms    bigint
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_at_ms) WHERE status = 'pending';
CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
CREATE INDEX ix_webhook_deliveries_order ON webhook_deliveries (endpoint_id, thread_id, event_seq) WHERE status = 'pending';

CREATE INDEX ix_threads_next_run ON threads (next_run_at_ms) WHERE next_run_at_ms IS NOT NULL;
CREATE INDEX ix_runs_leased ON runs (lease_expires_at_ms) WHERE status IN ('in_progress', 'cancelling');
CREATE INDEX ix_runs_waiting_for_outputs ON runs (expires_at) WHERE status = 'requires_action';
CREATE INDEX ix_idempotency_keys_owner ON idempotency_keys (owner) WHERE state = 'in_flight';
CREATE INDEX ix_webhook_events_created ON webhook_events (created_at);
CREATE INDEX ix_webhook_deliveries_event ON webhook_deliveries (event_seq);
CREATE INDEX ix_webhook_deliveries_locked ON webhook_deliveries (endpoint_id, locked_until_ms) WHERE locked_until_ms IS NOT NULL;
