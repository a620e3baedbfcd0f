-- One live activation per installation fingerprint and license: activating again is
-- idempotent, and two simultaneous activations of one fingerprint make one row.
CREATE UNIQUE INDEX activations_live_fingerprint ON activations (license_id, fingerprint)
    WHERE deactivated_at IS NULL;
