-- The IANA time zone a person reads dates and times in ("Europe/Sofia"), or empty for UTC.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
