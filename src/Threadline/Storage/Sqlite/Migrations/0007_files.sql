-- Files, vector stores, their files and batches, and the chunks file_search reads.
-- The bytes of a file live outside the database (Threadline:Files:Directory, by default files/
-- beside this database).

CREATE TABLE files (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    project_id TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    filename   TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    bytes      INTEGER NOT NULL
);
CREATE INDEX ix_files_project ON files (project_id, seq);
CREATE INDEX ix_files_expiry ON files (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE vector_stores (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    id                 TEXT    NOT NULL UNIQUE,
    project_id         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    name               TEXT    NOT NULL,
    description        TEXT,
    metadata           TEXT    NOT NULL,
    expires_after_days INTEGER,
    expires_at         INTEGER,
    last_active_at     INTEGER NOT NULL,
    embedding_model    TEXT    NOT NULL,
    -- Moves whenever the store's chunks change: caches of its vectors reload when it has moved.
    chunks_version     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_vector_stores_project ON vector_stores (project_id, seq);
CREATE INDEX ix_vector_stores_expiry ON vector_stores (expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE vector_store_files (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    vector_store_id    TEXT    NOT NULL,
    file_id            TEXT    NOT NULL,
    project_id         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    -- in_progress (queued or being indexed), completed, failed, cancelled
    status             TEXT    NOT NULL,
    last_error_code    TEXT,
    last_error_message TEXT,
    usage_bytes        INTEGER NOT NULL DEFAULT 0,
    max_chunk_tokens   INTEGER NOT NULL,
    chunk_overlap_tokens INTEGER NOT NULL,
    attributes         TEXT    NOT NULL,
    batch_id           TEXT,
    -- The indexing queue: who holds the file, until when, and how many times it was taken.
    locked_by          TEXT,
    locked_until_ms    INTEGER,
    attempts           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (vector_store_id, file_id)
);
CREATE INDEX ix_vector_store_files_store ON vector_store_files (vector_store_id, seq);
CREATE INDEX ix_vector_store_files_file ON vector_store_files (file_id);
CREATE INDEX ix_vector_store_files_batch ON vector_store_files (batch_id, seq) WHERE batch_id IS NOT NULL;
CREATE INDEX ix_vector_store_files_queue ON vector_store_files (seq) WHERE status = 'in_progress';

CREATE TABLE vector_store_file_batches (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE,
    vector_store_id TEXT    NOT NULL,
    project_id      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    cancelled       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_vector_store_file_batches_store ON vector_store_file_batches (vector_store_id);

CREATE TABLE chunks (
    id              INTEGER PRIMARY KEY,
    vector_store_id TEXT    NOT NULL,
    file_id         TEXT    NOT NULL,
    chunk_index     INTEGER NOT NULL,
    tokens          INTEGER NOT NULL,
    text            TEXT    NOT NULL,
    -- float32 little-endian, normalized
    embedding       BLOB    NOT NULL
);
CREATE INDEX ix_chunks_store_file ON chunks (vector_store_id, file_id, chunk_index);

-- Keyword search: an external-content FTS5 index over chunks.text, kept in step by triggers.
CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id', tokenize='porter unicode61');
CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
