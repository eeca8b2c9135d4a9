-- Files, vector stores, their files and batches, and the chunks file_search reads (as SQLite's 0007).
-- JSON-valued fields are text, as in 0001. Keyword search is PostgreSQL's full-text search over
-- chunks.text. A file's bytes live in file_contents when they are kept in the database.

CREATE TABLE files (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text   NOT NULL UNIQUE,
    project_id text   NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    filename   text   NOT NULL,
    purpose    text   NOT NULL,
    bytes      bigint NOT NULL
);
CREATE INDEX ix_files_project ON files (project_id, seq);
CREATE INDEX ix_files_expiry ON files (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE vector_stores (
    seq                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                 text   NOT NULL UNIQUE,
    project_id         text   NOT NULL,
    created_at         bigint NOT NULL,
    name               text   NOT NULL,
    description        text,
    metadata           text   NOT NULL,
    expires_after_days bigint,
    expires_at         bigint,
    last_active_at     bigint NOT NULL,
    embedding_model    text   NOT NULL,
    -- Moves whenever the store's chunks change: caches of its vectors reload when it has moved.
    chunks_version     bigint NOT NULL DEFAULT 0
);
CREATE INDEX ix_vector_stores_project ON vector_stores (project_id, seq);
CREATE INDEX ix_vector_stores_expiry ON vector_stores (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE vector_store_files (
    seq                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vector_store_id      text   NOT NULL,
    file_id              text   NOT NULL,
    project_id           text   NOT NULL,
    created_at           bigint NOT NULL,
    -- in_progress (queued or being indexed), completed, failed, cancelled
    status               text   NOT NULL,
    last_error_code      text,
    last_error_message   text,
    usage_bytes          bigint NOT NULL DEFAULT 0,
    max_chunk_tokens     bigint NOT NULL,
    chunk_overlap_tokens bigint NOT NULL,
    attributes           text   NOT NULL,
    batch_id             text,
    -- The indexing queue: who holds the file, until when, and how many times it was taken.
    locked_by            text,
    locked_until_ms      bigint,
    attempts             bigint NOT NULL DEFAULT 0,
    UNIQUE (vector_store_id, file_id)
);
CREATE INDEX ix_vector_store_files_store ON vector_store_files (vector_store_id, seq);
CREATE INDEX ix_vector_store_files_file ON vector_store_files (file_id);
CREATE INDEX ix_vector_store_files_batch ON vector_store_files (batch_id, seq) WHERE batch_id IS NOT NULL;
CREATE INDEX ix_vector_store_files_queue ON vector_store_files (seq) WHERE status = 'in_progress';

CREATE TABLE vector_store_file_batches (
    seq             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              text    NOT NULL UNIQUE,
    vector_store_id text    NOT NULL,
    project_id      text    NOT NULL,
    created_at      bigint  NOT NULL,
    cancelled       integer NOT NULL DEFAULT 0
);
CREATE INDEX ix_vector_store_file_batches_store ON vector_store_file_batches (vector_store_id);

CREATE TABLE chunks (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vector_store_id text   NOT NULL,
    file_id         text   NOT NULL,
    chunk_index     bigint NOT NULL,
    tokens          bigint NOT NULL,
    text            text   NOT NULL,
    -- float32 little-endian, normalized
    embedding       bytea  NOT NULL,
    -- Keyword search: the text's lexemes, kept by the server.
    tsv             tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED
);
CREATE INDEX ix_chunks_store_file ON chunks (vector_store_id, file_id, chunk_index);
CREATE INDEX ix_chunks_tsv ON chunks USING GIN (tsv);

-- A file's bytes in parts (of 1 MiB, the last one shorter), when they are kept in the database.
CREATE TABLE file_contents (
    file_id text    NOT NULL,
    part    integer NOT NULL,
    data    bytea   NOT NULL,
    PRIMARY KEY (file_id, part)
);
-- Kept out of line uncompressed: uploads are often compressed already (PDF, Office, images).
ALTER TABLE file_contents ALTER COLUMN data SET STORAGE EXTERNAL;
