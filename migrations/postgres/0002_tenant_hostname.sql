-- Each tenant keeps its host name, which is also its database name (`acme.planapulse.app`): pages
-- show and link it without reading the workspace-domain setting, and a tenant on another
-- domain (a preview on planapulse.dev) reads right.
ALTER TABLE tenants ADD COLUMN hostname TEXT NOT NULL DEFAULT '';
UPDATE tenants SET hostname = slug || '.planapulse.app' WHERE hostname = '';
