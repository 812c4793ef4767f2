-- grain: one value: the first submission of these bytes (sha256 = $1) that was not itself a duplicate, or NULL.
SELECT min(submission_id) FROM submissions WHERE sha256 = $1 AND status <> 'duplicate';
