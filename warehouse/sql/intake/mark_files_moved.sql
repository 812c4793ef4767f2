-- grain: one row per submission of the files that left the inbox; $1 = their 'source_path|sha256' keys.
UPDATE submissions SET moved = TRUE
WHERE NOT moved AND source_path || '|' || sha256 IN (SELECT unnest($1));
