-- Test copies of a workspace, as in Odoo's own database manager: outgoing mail off, expiring
-- after 15 days, at most five live per workspace, each at its own host name.
CREATE TABLE tenant_copies (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    hostname      TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL CHECK (status IN ('creating', 'ready', 'failed')),
    mail_enabled  INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX tenant_copies_tenant ON tenant_copies (tenant_id, created_at);
