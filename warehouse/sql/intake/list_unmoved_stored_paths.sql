-- grain: one row per submission not yet filed away: the path its file is to be stored at (taken, not to be reused).
SELECT stored_path FROM submissions WHERE NOT moved;
