-- The portal's schema. Timestamps are RFC 3339 UTC text ("2026-11-23T13:37:00Z"), which sorts
-- chronologically in both dialects; money is INTEGER minor units beside an ISO 4217 currency.

CREATE TABLE accounts (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('customer', 'provider')),
    provider_id  TEXT REFERENCES accounts (id),
    country      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX accounts_provider ON accounts (provider_id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE oidc_identities (
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (issuer, subject)
);

CREATE TABLE memberships (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    user_id     TEXT NOT NULL REFERENCES users (id),
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'member')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    email        TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'member')),
    invited_by   TEXT NOT NULL REFERENCES users (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    accepted_at  TEXT,
    UNIQUE (account_id, email)
);
CREATE INDEX invitations_email ON invitations (email);

CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    last_used_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    verified_at   INTEGER NOT NULL,
    method        TEXT NOT NULL,
    user_agent    TEXT NOT NULL,
    ip            TEXT NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash  TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL REFERENCES sessions (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    scope         TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE mail_outbox (
    id               TEXT PRIMARY KEY,
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    text_body        TEXT NOT NULL,
    html_body        TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    sent_at          TEXT,
    last_error       TEXT
);
CREATE INDEX mail_outbox_pending ON mail_outbox (sent_at, next_attempt_at);

CREATE TABLE templates (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    edition        TEXT NOT NULL,
    odoo_version   TEXT NOT NULL,
    database_name  TEXT NOT NULL UNIQUE
);

CREATE TABLE tenants (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended', 'deleted')),
    template_id  TEXT REFERENCES templates (id),
    plan         TEXT NOT NULL,
    region       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    deleted_at   TEXT
);
CREATE INDEX tenants_account ON tenants (account_id);

CREATE TABLE tenant_aliases (
    hostname    TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    created_at  TEXT NOT NULL
);

CREATE TABLE licenses (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts (id),
    product               TEXT NOT NULL,
    plan                  TEXT NOT NULL,
    key_hash              TEXT NOT NULL UNIQUE,
    key_hint              TEXT NOT NULL,
    seats                 INTEGER NOT NULL,
    max_activations       INTEGER NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('active', 'expired', 'cancelled')),
    issued_at             TEXT NOT NULL,
    expires_at            TEXT NOT NULL,
    cancel_at_period_end  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX licenses_account ON licenses (account_id);

CREATE TABLE activations (
    id              TEXT PRIMARY KEY,
    license_id      TEXT NOT NULL REFERENCES licenses (id),
    instance_name   TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    activated_at    TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL,
    deactivated_at  TEXT
);
CREATE INDEX activations_license ON activations (license_id);

CREATE TABLE subscriptions (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts (id),
    plan                  TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'cancelled')),
    currency              TEXT NOT NULL,
    amount                INTEGER NOT NULL,
    billing_interval      TEXT NOT NULL CHECK (billing_interval IN ('month', 'year')),
    current_period_end    TEXT NOT NULL,
    cancel_at_period_end  INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL
);
CREATE INDEX subscriptions_account ON subscriptions (account_id);

CREATE TABLE invoices (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    subscription_id  TEXT REFERENCES subscriptions (id),
    number           TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'void', 'uncollectible')),
    currency         TEXT NOT NULL,
    subtotal         INTEGER NOT NULL,
    tax              INTEGER NOT NULL,
    total            INTEGER NOT NULL,
    issued_at        TEXT NOT NULL,
    due_at           TEXT NOT NULL,
    paid_at          TEXT
);
CREATE INDEX invoices_account ON invoices (account_id, issued_at);

CREATE TABLE requests (
    id           TEXT PRIMARY KEY,
    account_id   TEXT REFERENCES accounts (id),
    kind         TEXT NOT NULL CHECK (kind IN ('license_retrieval', 'verification', 'export', 'deletion', 'refund', 'support')),
    email        TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('received', 'in_progress', 'resolved', 'rejected')),
    detail       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    resolved_at  TEXT
);
CREATE INDEX requests_account ON requests (account_id);

CREATE TABLE audit_log (
    id             TEXT PRIMARY KEY,
    account_id     TEXT REFERENCES accounts (id),
    actor_user_id  TEXT REFERENCES users (id),
    action         TEXT NOT NULL,
    target         TEXT NOT NULL,
    detail         TEXT NOT NULL,
    ip             TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX audit_log_account ON audit_log (account_id, created_at);
