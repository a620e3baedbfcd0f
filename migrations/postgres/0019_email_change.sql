-- A person changes the address they sign in with: a single-use link is mailed to the new
-- address and the change takes effect only when it is opened (purpose change_email, subject:
-- the user).
ALTER TABLE email_links DROP CONSTRAINT email_links_purpose_check;
ALTER TABLE email_links ADD CONSTRAINT email_links_purpose_check
    CHECK (purpose IN ('manage_subscription', 'change_email'));
