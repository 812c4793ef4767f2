-- grain: one value: the first submission whose rows these bytes (sha256 = $1) once loaded, or NULL.
SELECT min(submission_id) FROM submissions WHERE sha256 = $1 AND status IN ('loaded', 'superseded');
