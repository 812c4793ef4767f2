-- grain: one row per file (source_path, sha256) committed but not yet filed away (a crash between commit and move):
-- its first submission id and where it is to be stored.
SELECT DISTINCT ON (source_path, sha256) submission_id, source_path, sha256, stored_path
FROM submissions WHERE NOT moved ORDER BY source_path, sha256, submission_id;
