-- What invoices and receipts are addressed to: the billing address, and the tax id with its
-- verification status (unverified, pending, verified, failed) as the payment provider reports it.
ALTER TABLE accounts ADD COLUMN billing_address TEXT;
ALTER TABLE accounts ADD COLUMN tax_id TEXT;
ALTER TABLE accounts ADD COLUMN tax_id_status TEXT;
