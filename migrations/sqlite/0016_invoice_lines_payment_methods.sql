-- What an invoice is for, line by line (amounts before tax in minor units of the invoice's
-- currency, the tax on each line, its rate in basis points where known), as the payment
-- provider reports it; and the account's payment methods as the provider reports them (brand,
-- last four digits and expiry only: card numbers never reach the portal).
CREATE TABLE invoice_lines (
    id            TEXT PRIMARY KEY,
    invoice_id    TEXT NOT NULL REFERENCES invoices (id),
    position      INTEGER NOT NULL,
    description   TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    unit_amount   INTEGER NOT NULL,
    amount        INTEGER NOT NULL,
    tax_amount    INTEGER NOT NULL DEFAULT 0,
    tax_rate_bp   INTEGER,
    period_start  TEXT,
    period_end    TEXT
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);

CREATE TABLE payment_methods (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts (id),
    brand             TEXT NOT NULL,
    last4             TEXT NOT NULL,
    exp_month         INTEGER NOT NULL,
    exp_year          INTEGER NOT NULL,
    is_default        INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    provider_updated  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX payment_methods_account ON payment_methods (account_id);
