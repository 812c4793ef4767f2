-- grain: one row per entry the scan saw in the inbox.
-- Expects the view `_seen` (path_key, first_seen, last_seen, changed_at, size_bytes, mtime_ns, renamed_from,
-- note_reason, note_path).
INSERT INTO inbox_files BY NAME SELECT * FROM _seen;
