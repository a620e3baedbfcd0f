-- Every day from three years ago to three years ahead as RFC 3339 UTC midnight, relative to
-- today: `(SELECT at FROM days_from_today WHERE days = -7)` is a week ago. `demo.sql` dates its
-- rows with it, in the same words on SQLite and Postgres (whose date functions differ), so the
-- demo data reads current on whatever day it is loaded.
CREATE OR REPLACE VIEW days_from_today (days, at) AS
SELECT d, to_char(((now() AT TIME ZONE 'UTC')::date + d)::timestamp, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
  FROM generate_series(-1100, 1100) AS d;
