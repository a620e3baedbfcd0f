-- Demo data for local development only (loaded by `scripts/serve`, never by migrations).
-- Every statement is idempotent so the file can be applied at each start, as
-- `spin up --sqlite @migrations/demo.sql` does. It is valid SQLite and Postgres.
-- Dates that matter are relative to the day the file is first loaded, through the
-- `days_from_today` view (migration 0003), so Home always shows a current mix: an invoice due
-- in 5 days and one overdue, a license expiring in 24 days and one expired, an active
-- workspace and one provisioning, an invitation waiting and a data export in progress.
-- Sign in as ada@acme.example (owner of Acme Robotics, admin at Northwind MSP) or
-- mia@northwind.example (owner of the Northwind MSP provider account).

INSERT INTO accounts (id, name, kind, provider_id, country, created_at) VALUES
  ('acc_demo_acme', 'Acme Robotics', 'customer', NULL, 'DE', '2025-02-03T09:00:00Z'),
  ('acc_demo_northwind', 'Northwind MSP', 'provider', NULL, 'NL', '2025-04-11T10:00:00Z'),
  ('acc_demo_globex', 'Globex Dental', 'customer', 'acc_demo_northwind', 'BE', '2025-05-02T08:30:00Z'),
  ('acc_demo_initech', 'Initech Logistics', 'customer', 'acc_demo_northwind', 'BG', '2025-06-20T12:15:00Z')
ON CONFLICT DO NOTHING;

INSERT INTO users (id, email, display_name, created_at) VALUES
  ('usr_demo_ada', 'ada@acme.example', 'Ada Lovelace', '2025-02-03T09:00:00Z'),
  ('usr_demo_bob', 'bob@acme.example', 'Bob Kahn', '2025-02-10T09:00:00Z'),
  ('usr_demo_cy', 'cy@acme.example', 'Cy Young', '2025-03-01T09:00:00Z'),
  ('usr_demo_mia', 'mia@northwind.example', 'Mia Hamm', '2025-04-11T10:00:00Z'),
  ('usr_demo_gus', 'gus@globex.example', 'Gus Grissom', '2025-05-02T08:30:00Z')
ON CONFLICT DO NOTHING;

INSERT INTO memberships (account_id, user_id, role, created_at) VALUES
  ('acc_demo_acme', 'usr_demo_ada', 'owner', '2025-02-03T09:00:00Z'),
  ('acc_demo_acme', 'usr_demo_bob', 'billing', '2025-02-10T09:00:00Z'),
  ('acc_demo_acme', 'usr_demo_cy', 'member', '2025-03-01T09:00:00Z'),
  ('acc_demo_northwind', 'usr_demo_mia', 'owner', '2025-04-11T10:00:00Z'),
  ('acc_demo_northwind', 'usr_demo_ada', 'admin', '2025-04-12T10:00:00Z'),
  ('acc_demo_globex', 'usr_demo_gus', 'owner', '2025-05-02T08:30:00Z')
ON CONFLICT DO NOTHING;

INSERT INTO invitations (id, account_id, email, role, invited_by, created_at, expires_at, accepted_at) VALUES
  ('inv_demo_dee', 'acc_demo_acme', 'dee@acme.example', 'member', 'usr_demo_ada', (SELECT at FROM days_from_today WHERE days = -2), (SELECT at FROM days_from_today WHERE days = 12), NULL)
ON CONFLICT DO NOTHING;

INSERT INTO tenants (id, account_id, slug, hostname, name, status, template_id, plan, region, created_at, deleted_at) VALUES
  ('ten_demo_acme', 'acc_demo_acme', 'acme', 'acme.planapulse.app', 'Acme Robotics', 'active', 'tpl_pro_18', 'Cloud Pro', 'eu-central', '2025-02-04T09:00:00Z', NULL),
  ('ten_demo_acmestg', 'acc_demo_acme', 'acme-staging', 'acme-staging.planapulse.app', 'Acme staging', 'provisioning', 'tpl_pro_18', 'Cloud Pro', 'eu-central', (SELECT at FROM days_from_today WHERE days = -1), NULL),
  ('ten_demo_globex', 'acc_demo_globex', 'globex', 'globex.planapulse.app', 'Globex Dental', 'active', 'tpl_basic_18', 'Cloud Basic', 'eu-central', '2025-05-03T09:00:00Z', NULL),
  ('ten_demo_initech', 'acc_demo_initech', 'initech', 'initech.planapulse.app', 'Initech Logistics', 'suspended', 'tpl_basic_17', 'Cloud Basic', 'eu-central', '2025-06-21T09:00:00Z', NULL)
ON CONFLICT DO NOTHING;

INSERT INTO tenant_aliases (hostname, tenant_id, created_at) VALUES
  ('acme.planapulse.online', 'ten_demo_acme', '2025-03-01T09:00:00Z')
ON CONFLICT DO NOTHING;

INSERT INTO licenses (id, account_id, product, plan, key_hash, key_hint, seats, max_activations, status, issued_at, expires_at, cancel_at_period_end) VALUES
  ('lic_demo_pro', 'acc_demo_acme', 'Pulse Pro', 'Pro, 25 seats', '6b9ec130fa9e8119a26ff57e925d29239285e4a5652d3f6e471b13f2418ec92a', '9RTA', 25, 3, 'active', (SELECT at FROM days_from_today WHERE days = -341), (SELECT at FROM days_from_today WHERE days = 24), 0),
  ('lic_demo_lab', 'acc_demo_acme', 'Pulse Pro', 'Lab, 5 seats', 'bd439829fdc57ab1135c96187aa7feda898a39bd082c2568cd35420ec97e6400', '1PLC', 5, 1, 'expired', (SELECT at FROM days_from_today WHERE days = -455), (SELECT at FROM days_from_today WHERE days = -90), 0)
ON CONFLICT DO NOTHING;

INSERT INTO activations (id, license_id, instance_name, fingerprint, activated_at, last_seen_at, deactivated_at) VALUES
  ('act_demo_1', 'lic_demo_pro', 'pulse.acme.internal', 'fp-2c41', (SELECT at FROM days_from_today WHERE days = -340), (SELECT at FROM days_from_today WHERE days = 0), NULL),
  ('act_demo_2', 'lic_demo_pro', 'pulse-dr.acme.internal', 'fp-9b07', (SELECT at FROM days_from_today WHERE days = -140), (SELECT at FROM days_from_today WHERE days = -1), NULL)
ON CONFLICT DO NOTHING;

INSERT INTO subscriptions (id, account_id, plan, status, currency, amount, billing_interval, current_period_end, cancel_at_period_end, created_at, tenant_id) VALUES
  ('sub_demo_acme', 'acc_demo_acme', 'Pulse Cloud Pro', 'active', 'EUR', 24900, 'month', (SELECT at FROM days_from_today WHERE days = 21), 0, '2025-02-04T09:00:00Z', 'ten_demo_acme'),
  ('sub_demo_northwind', 'acc_demo_northwind', 'Pulse MSP', 'active', 'EUR', 99000, 'month', (SELECT at FROM days_from_today WHERE days = 9), 0, '2025-04-11T10:00:00Z', NULL)
ON CONFLICT DO NOTHING;

INSERT INTO invoices (id, account_id, subscription_id, number, status, currency, subtotal, tax, total, issued_at, due_at, paid_at) VALUES
  ('inv_demo_0008', 'acc_demo_acme', 'sub_demo_acme', 'PA-2026-0008', 'paid', 'EUR', 24900, 4731, 29631, (SELECT at FROM days_from_today WHERE days = -99), (SELECT at FROM days_from_today WHERE days = -85), (SELECT at FROM days_from_today WHERE days = -98)),
  ('inv_demo_0009', 'acc_demo_acme', 'sub_demo_acme', 'PA-2026-0009', 'paid', 'EUR', 24900, 4731, 29631, (SELECT at FROM days_from_today WHERE days = -69), (SELECT at FROM days_from_today WHERE days = -55), (SELECT at FROM days_from_today WHERE days = -68)),
  ('inv_demo_0010', 'acc_demo_acme', 'sub_demo_acme', 'PA-2026-0010', 'open', 'EUR', 24900, 4731, 29631, (SELECT at FROM days_from_today WHERE days = -39), (SELECT at FROM days_from_today WHERE days = -25), NULL),
  ('inv_demo_0011', 'acc_demo_acme', 'sub_demo_acme', 'PA-2026-0011', 'open', 'EUR', 24900, 4731, 29631, (SELECT at FROM days_from_today WHERE days = -9), (SELECT at FROM days_from_today WHERE days = 5), NULL),
  ('inv_demo_n011', 'acc_demo_northwind', 'sub_demo_northwind', 'PA-2026-N011', 'paid', 'EUR', 99000, 0, 99000, (SELECT at FROM days_from_today WHERE days = -21), (SELECT at FROM days_from_today WHERE days = -7), (SELECT at FROM days_from_today WHERE days = -20))
ON CONFLICT DO NOTHING;

INSERT INTO invoice_lines (id, invoice_id, position, description, quantity, unit_amount, amount, tax_amount, tax_rate_bp, period_start, period_end) VALUES
  ('il_demo_0008', 'inv_demo_0008', 1, 'Pulse Cloud Pro, monthly', 1, 24900, 24900, 4731, 1900, (SELECT at FROM days_from_today WHERE days = -99), (SELECT at FROM days_from_today WHERE days = -69)),
  ('il_demo_0009', 'inv_demo_0009', 1, 'Pulse Cloud Pro, monthly', 1, 24900, 24900, 4731, 1900, (SELECT at FROM days_from_today WHERE days = -69), (SELECT at FROM days_from_today WHERE days = -39)),
  ('il_demo_0010', 'inv_demo_0010', 1, 'Pulse Cloud Pro, monthly', 1, 24900, 24900, 4731, 1900, (SELECT at FROM days_from_today WHERE days = -39), (SELECT at FROM days_from_today WHERE days = -9)),
  ('il_demo_0011', 'inv_demo_0011', 1, 'Pulse Cloud Pro, monthly', 1, 24900, 24900, 4731, 1900, (SELECT at FROM days_from_today WHERE days = -9), (SELECT at FROM days_from_today WHERE days = 21)),
  ('il_demo_n011', 'inv_demo_n011', 1, 'Pulse MSP, monthly (VAT reverse charge)', 1, 99000, 99000, 0, NULL, (SELECT at FROM days_from_today WHERE days = -21), (SELECT at FROM days_from_today WHERE days = 9))
ON CONFLICT DO NOTHING;

-- Acme's cards: the default one expires at the end of this month (Home warns about it), a
-- spare one later.
INSERT INTO payment_methods (id, account_id, brand, last4, exp_month, exp_year, is_default, created_at, provider_updated)
  SELECT 'pm_demo_visa', 'acc_demo_acme', 'visa', '4242', CAST(substr(at, 6, 2) AS INTEGER), CAST(substr(at, 1, 4) AS INTEGER), 1, '2025-02-04T09:00:00Z', 0
    FROM days_from_today WHERE days = 0
ON CONFLICT DO NOTHING;
INSERT INTO payment_methods (id, account_id, brand, last4, exp_month, exp_year, is_default, created_at, provider_updated) VALUES
  ('pm_demo_mastercard', 'acc_demo_acme', 'mastercard', '4444', 8, 2030, 0, '2025-06-01T09:00:00Z', 0)
ON CONFLICT DO NOTHING;

-- Northwind operates Initech's workspaces under a grant that ends in 30 days; Globex has given
-- none yet (its owner, gus@globex.example, can approve a request).
INSERT INTO access_grants (id, provider_id, client_id, status, days, reason, requested_by, decided_by, created_at, decided_at, expires_at)
  SELECT 'grt_demo_initech', 'acc_demo_northwind', 'acc_demo_initech', 'approved', 60, 'Monthly maintenance of the logistics workspace', 'usr_demo_mia', NULL,
         d.at, d.at, e.at
    FROM days_from_today d, days_from_today e WHERE d.days = -30 AND e.days = 30
ON CONFLICT DO NOTHING;

-- Ada asked for an export of Acme's data yesterday; it is prepared the next time a request
-- touches data requests (opening it, for one), then offered for download for 7 days.
INSERT INTO data_requests (id, kind, status, email, requested_by, account_ids, access_hash, created_at, confirmed_at, due_by)
  SELECT 'drq_demo_export', 'export', 'queued', 'ada@acme.example', 'usr_demo_ada', 'acc_demo_acme',
         'ba5327d86cc45601bd2da0826bff9ea27576ac9db2f6dc7346a0172412b453ca', c.at, c.at, d.at
    FROM days_from_today c, days_from_today d WHERE c.days = -1 AND d.days = 29
ON CONFLICT DO NOTHING;
