-- grain: one row per submission of one dropped file ($1 = source_path, $2 = sha256) committed and not yet filed
-- away: what a retry of the load finds instead of inserting the file again.
SELECT submission_id, status, stored_path, duplicate_of
FROM submissions WHERE source_path = $1 AND sha256 = $2 AND NOT moved ORDER BY submission_id;
