-- Why a subscription is set to end at its period's end, and when that was asked.
ALTER TABLE subscriptions ADD COLUMN cancel_reason TEXT;
ALTER TABLE subscriptions ADD COLUMN cancel_requested_at TEXT;
