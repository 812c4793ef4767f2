-- grain: one row per loaded submission of one (bureau = $1, period = $2, form = $3) slot: what a new load of it supersedes.
SELECT submission_id FROM submissions WHERE bureau = $1 AND period = $2 AND form = $3 AND status = 'loaded';
