-- grain: one row per submission committed and not yet filed away, with its file's key (source_path, sha256): what a
-- batch load finds instead of inserting a file again (list_file_submissions, for a whole batch at once).
SELECT source_path, sha256, submission_id, status, stored_path, duplicate_of
FROM submissions WHERE NOT moved ORDER BY source_path, sha256, submission_id;
