-- Subscriptions can be paused (Stripe's pause collection). SQLite cannot change a CHECK
-- constraint, so the table is rebuilt with its rows.
CREATE TABLE subscriptions_next (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts (id),
    plan                  TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'paused', 'cancelled')),
    currency              TEXT NOT NULL,
    amount                INTEGER NOT NULL,
    billing_interval      TEXT NOT NULL CHECK (billing_interval IN ('month', 'year')),
    current_period_end    TEXT NOT NULL,
    cancel_at_period_end  INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL,
    tenant_id             TEXT REFERENCES tenants (id),
    provider_id           TEXT,
    provider_updated      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO subscriptions_next (id, account_id, plan, status, currency, amount, billing_interval, current_period_end, cancel_at_period_end, created_at, tenant_id)
    SELECT id, account_id, plan, status, currency, amount, billing_interval, current_period_end, cancel_at_period_end, created_at, tenant_id FROM subscriptions;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_next RENAME TO subscriptions;
CREATE INDEX subscriptions_account ON subscriptions (account_id);
CREATE UNIQUE INDEX subscriptions_provider ON subscriptions (provider_id);

-- Stripe webhook events, kept by their id: an event is applied once, however often (or however
-- simultaneously) it is delivered. Subscriptions, invoices and customers carry the payment
-- provider's ids, and each changed object the `created` time of the event that last changed it,
-- so an event older than that never moves the object backwards.
CREATE TABLE webhook_events (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    created      INTEGER NOT NULL,
    outcome      TEXT NOT NULL,
    received_at  TEXT NOT NULL
);

ALTER TABLE accounts ADD COLUMN provider_customer_id TEXT;
CREATE UNIQUE INDEX accounts_provider_customer ON accounts (provider_customer_id);
ALTER TABLE invoices ADD COLUMN provider_id TEXT;
ALTER TABLE invoices ADD COLUMN provider_updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN amount_refunded INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX invoices_provider ON invoices (provider_id);
