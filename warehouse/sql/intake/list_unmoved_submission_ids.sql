-- grain: one row per submission of one file (source_path = $1, sha256 = $2) not yet filed away.
SELECT submission_id FROM submissions WHERE source_path = $1 AND sha256 = $2 AND NOT moved;
