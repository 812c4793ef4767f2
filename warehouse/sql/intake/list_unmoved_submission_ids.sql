-- grain: one row per submission of one dropped file ($1 = source_path, $2 = sha256) committed but not yet
-- filed away (moved out of the inbox): what finish_interrupted redoes the feedback of.
SELECT submission_id FROM submissions WHERE source_path = $1 AND sha256 = $2 AND NOT moved ORDER BY submission_id;
