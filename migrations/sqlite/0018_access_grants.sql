-- Delegated operator access: a provider (MSP) asks a customer account for access for some
-- days, giving a reason; an owner of the customer approves or declines. Approved access ends by
-- itself at expires_at, or earlier when either side revokes it. Approving makes the customer
-- the provider's client if it was nobody's.
CREATE TABLE access_grants (
    id            TEXT PRIMARY KEY,
    provider_id   TEXT NOT NULL REFERENCES accounts (id),
    client_id     TEXT NOT NULL REFERENCES accounts (id),
    status        TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'declined', 'revoked')),
    days          INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    requested_by  TEXT NOT NULL REFERENCES users (id),
    decided_by    TEXT REFERENCES users (id),
    created_at    TEXT NOT NULL,
    decided_at    TEXT,
    expires_at    TEXT,
    ended_at      TEXT
);
CREATE INDEX access_grants_pair ON access_grants (provider_id, client_id, status);
CREATE INDEX access_grants_client ON access_grants (client_id, status);
