-- grain: none (a session setting). The session's zone back to DuckDB's default, the machine's own zone (TZ,
-- /etc/localtime): only while converting naive timestamps that srdi wrote in that zone before issue 19.
RESET TimeZone;
