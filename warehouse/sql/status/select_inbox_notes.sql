-- grain: one row per inbox entry srdi has seen and not yet filed away (inbox_files): when it was first seen, and the note written about it, if any
-- Read by `srdi status` on the analyst copy (as of the last publish): the arrival time of each waiting file, and which
-- entries were answered with a note (…_未处理说明.txt) instead of being processed.
SELECT path_key, first_seen, note_reason, note_path
FROM inbox_files;
