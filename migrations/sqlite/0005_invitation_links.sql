-- An invitation's single-use link: the secret is sent by email and only its hash is kept;
-- resending replaces it and accepting clears it.
ALTER TABLE invitations ADD COLUMN token_hash TEXT;
CREATE UNIQUE INDEX invitations_token ON invitations (token_hash);
