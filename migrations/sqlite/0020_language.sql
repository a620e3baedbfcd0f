-- The language a person reads the portal in: "en" or "bg", or empty to follow the browser's
-- Accept-Language.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
