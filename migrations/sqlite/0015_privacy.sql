-- Data export and deletion requests (GDPR Articles 15, 17 and 20), and the single-use links
-- that let an address act on one object without signing in.
--
-- A request is about the accounts its subject owns (account_ids, a comma-separated list fixed
-- when it is confirmed) and the person who asked (email). An export is built by a job into a
-- zip archive kept until archive_expires_at; a deletion waits until execute_after (the grace
-- period) and is then carried out by a job. A request made signed out waits for its address to
-- be proven: the status link mailed there (valid 30 minutes for that) confirms it. access_hash is the hash of the token in the
-- requester's status link, download_hash that of the link mailed when the archive is ready.
-- A worker claims a request (claimed_until) before working on it, so two never do the same.
CREATE TABLE data_requests (
    id                  TEXT PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('export', 'deletion')),
    status              TEXT NOT NULL CHECK (status IN ('awaiting_proof', 'queued', 'ready', 'scheduled', 'done', 'cancelled', 'failed', 'expired')),
    email               TEXT NOT NULL,
    requested_by        TEXT REFERENCES users (id),
    account_ids         TEXT NOT NULL DEFAULT '',
    access_hash         TEXT NOT NULL UNIQUE,
    download_hash       TEXT,
    created_at          TEXT NOT NULL,
    confirmed_at        TEXT,
    due_by              TEXT NOT NULL,
    execute_after       TEXT,
    completed_at        TEXT,
    archive             TEXT,
    archive_bytes       INTEGER,
    archive_expires_at  TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    claimed_until       TEXT,
    last_error          TEXT
);
CREATE INDEX data_requests_due ON data_requests (status, execute_after);

-- Single-use, expiring links mailed to an address: managing one subscription (subject: it)
-- without signing in.
CREATE TABLE email_links (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('manage_subscription')),
    email       TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     TEXT
);
