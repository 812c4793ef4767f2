-- grain: one row per entry srdi has seen in the inbox and not yet filed away (inbox_files), as of the last scan.
SELECT path_key, first_seen, last_seen, changed_at, size_bytes, mtime_ns, renamed_from, note_reason, note_path
FROM inbox_files;
