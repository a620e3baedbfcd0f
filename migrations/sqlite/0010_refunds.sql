-- Refund requests: one invoice of the account, within the refund window after payment, with
-- the reason; resolved when the payment provider reports the charge refunded. At most one open
-- request per invoice.
CREATE TABLE refunds (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    invoice_id    TEXT NOT NULL REFERENCES invoices (id),
    requested_by  TEXT NOT NULL REFERENCES users (id),
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('requested', 'refunded', 'rejected')),
    amount        INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    resolved_at   TEXT
);
CREATE INDEX refunds_account ON refunds (account_id, created_at);
CREATE UNIQUE INDEX refunds_open_invoice ON refunds (invoice_id) WHERE status = 'requested';
