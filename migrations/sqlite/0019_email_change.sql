-- A person changes the address they sign in with: a single-use link is mailed to the new
-- address and the change takes effect only when it is opened (purpose change_email, subject:
-- the user). SQLite cannot alter a CHECK constraint, so the table is rebuilt with its rows.
CREATE TABLE email_links_next (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('manage_subscription', 'change_email')),
    email       TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     TEXT
);
INSERT INTO email_links_next (id, token_hash, purpose, email, subject_id, created_at, expires_at, used_at)
    SELECT id, token_hash, purpose, email, subject_id, created_at, expires_at, used_at FROM email_links;
DROP TABLE email_links;
ALTER TABLE email_links_next RENAME TO email_links;
