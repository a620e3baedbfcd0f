-- Every day from three years ago to three years ahead as RFC 3339 UTC midnight, relative to
-- today: `(SELECT at FROM days_from_today WHERE days = -7)` is a week ago. `demo.sql` dates its
-- rows with it, in the same words on SQLite and Postgres (whose date functions differ), so the
-- demo data reads current on whatever day it is loaded.
CREATE VIEW IF NOT EXISTS days_from_today (days, at) AS
WITH RECURSIVE n (days) AS (
  SELECT -1100
  UNION ALL
  SELECT days + 1 FROM n WHERE days < 1100
)
SELECT days, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', 'start of day', printf('%+d days', days)) FROM n;
