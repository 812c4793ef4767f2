-- grain: none (a session setting). Every connection srdi opens reads and writes instants (TIMESTAMPTZ) in UTC, so
-- nothing depends on the server's zone (DuckDB's TimeZone defaults to it); the programme's zone is applied
-- explicitly (timezone($time_zone, …)) where a deadline is judged, and by schemas/clock.py where a time is shown.
SET TimeZone = 'UTC';
