-- Creating API requests may carry an Idempotency-Key: the first answer is kept per account and
-- key, with a hash of the request, so a retry replays it and a different request with the same
-- key is refused. A row without a status is a request still in progress.
CREATE TABLE idempotency_keys (
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER,
    body          TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (account_id, idem_key)
);
