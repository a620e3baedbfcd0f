-- Backups of a workspace, as in Odoo's database manager: asked for by an owner or admin, made
-- by the provisioner (which reports where the file is, `location`) or, in local mode, by the
-- portal itself (`archive`, base64: the workspace's settings as the portal holds them), and
-- downloadable until `expires_at`.
CREATE TABLE tenant_backups (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL REFERENCES tenants (id),
    status        TEXT NOT NULL CHECK (status IN ('creating', 'ready', 'failed')),
    requested_by  TEXT REFERENCES users (id),
    created_at    TEXT NOT NULL,
    completed_at  TEXT,
    expires_at    TEXT NOT NULL,
    size_bytes    BIGINT,
    location      TEXT,
    archive       TEXT
);
CREATE INDEX tenant_backups_tenant ON tenant_backups (tenant_id, created_at);
