-- grain: one row per (file, form) that arrived
INSERT INTO submissions (submission_id, bureau, period, form, file_name, source_path, sha256, size_bytes,
                         file_format, received_at, processed_at, status, error_count, warning_count,
                         row_count, duplicate_of, stored_path, message)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
