-- Tenants gain the states a provisioner moves them through (deleting during the grace period,
-- failed when a step could not be done), the end of a deletion's grace period, and a mark for
-- those the portal provisioned itself. A subscription may pay for one tenant, which cannot be
-- deleted while the subscription is live.
ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_check
    CHECK (status IN ('provisioning', 'active', 'suspended', 'deleting', 'deleted', 'failed'));
ALTER TABLE tenants ADD COLUMN provisioned_locally BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN delete_after TEXT;
ALTER TABLE subscriptions ADD COLUMN tenant_id TEXT REFERENCES tenants (id);

-- Every step a tenant takes (create, suspend, resume, delete, rename, alias, test copy, backup)
-- is a job written in the same transaction as the tenant's new state, then delivered to the
-- provisioner until it acknowledges; with no provisioner configured the portal completes the
-- job itself. The provisioner's reports back are kept by event id, so a replay changes nothing.
CREATE TABLE provisioning_jobs (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    action           TEXT NOT NULL CHECK (action IN ('create', 'suspend', 'resume', 'delete', 'rename', 'alias', 'copy', 'backup')),
    payload          TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    delivered_at     TEXT,
    last_error       TEXT
);
CREATE INDEX provisioning_jobs_due ON provisioning_jobs (delivered_at, next_attempt_at);
CREATE INDEX provisioning_jobs_tenant ON provisioning_jobs (tenant_id);

CREATE TABLE provisioner_events (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    status       TEXT NOT NULL,
    received_at  TEXT NOT NULL
);

-- The template catalog, as seed 001 names it: Basic and Pro on Odoo 17, 18 and 19.
INSERT INTO templates (id, name, edition, odoo_version, database_name) VALUES
  ('tpl_basic_17', 'Basic v17', 'basic', '17', 'basic-template.planapulse.app'),
  ('tpl_pro_17', 'Pro v17', 'pro', '17', 'pro-template.planapulse.app'),
  ('tpl_basic_18', 'Basic v18', 'basic', '18', 'basic-template-18.planapulse.app'),
  ('tpl_pro_18', 'Pro v18', 'pro', '18', 'pro-template-18.planapulse.app'),
  ('tpl_basic_19', 'Basic v19', 'basic', '19', 'basic-template-19.planapulse.app'),
  ('tpl_pro_19', 'Pro v19', 'pro', '19', 'pro-template-19.planapulse.app')
ON CONFLICT DO NOTHING;
