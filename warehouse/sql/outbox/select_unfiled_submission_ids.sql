-- grain: one row per submission of one dropped file ($source_path, $sha256) not yet filed away (moved out of
-- the inbox): what finish_interrupted redoes the feedback of.
SELECT submission_id
FROM submissions
WHERE source_path = $source_path AND sha256 = $sha256 AND NOT moved
ORDER BY submission_id;
