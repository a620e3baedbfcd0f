-- Integrations per workspace, from the catalog kept in code: whether each is on, its settings,
-- and its secrets, which are written and passed on but never shown again.
CREATE TABLE tenant_integrations (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    integration  TEXT NOT NULL,
    enabled      INTEGER NOT NULL DEFAULT 0,
    settings     TEXT NOT NULL,
    secrets      TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, integration)
);
