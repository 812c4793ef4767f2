-- grain: one row per submission of one dropped file ($1 = source_path, $2 = sha256) whose bytes were replaced in the
-- inbox after they were loaded and before they could be archived: nothing of those bytes is left to archive.
-- $3 = the note added to the message.
UPDATE submissions SET moved = TRUE, stored_path = NULL,
       message = CASE WHEN message IS NULL THEN $3 ELSE message || '；' || $3 END
WHERE source_path = $1 AND sha256 = $2 AND NOT moved;
