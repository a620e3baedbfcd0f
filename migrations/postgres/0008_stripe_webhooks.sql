-- Subscriptions can be paused (Stripe's pause collection).
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_status_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_status_check
    CHECK (status IN ('trialing', 'active', 'past_due', 'paused', 'cancelled'));
ALTER TABLE subscriptions ADD COLUMN provider_id TEXT;
ALTER TABLE subscriptions ADD COLUMN provider_updated BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX subscriptions_provider ON subscriptions (provider_id);

-- Stripe webhook events, kept by their id: an event is applied once, however often (or however
-- simultaneously) it is delivered. Subscriptions, invoices and customers carry the payment
-- provider's ids, and each changed object the `created` time of the event that last changed it,
-- so an event older than that never moves the object backwards.
CREATE TABLE webhook_events (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    created      BIGINT NOT NULL,
    outcome      TEXT NOT NULL,
    received_at  TEXT NOT NULL
);

ALTER TABLE accounts ADD COLUMN provider_customer_id TEXT;
CREATE UNIQUE INDEX accounts_provider_customer ON accounts (provider_customer_id);
ALTER TABLE invoices ADD COLUMN provider_id TEXT;
ALTER TABLE invoices ADD COLUMN provider_updated BIGINT NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN amount_refunded BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX invoices_provider ON invoices (provider_id);
