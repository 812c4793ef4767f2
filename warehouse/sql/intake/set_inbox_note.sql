-- grain: one inbox entry ($1 = path_key): the note srdi wrote about it ($2 = reason, $3 = where), so that it is
-- written once.
UPDATE inbox_files SET note_reason = $2, note_path = $3 WHERE path_key = $1;
