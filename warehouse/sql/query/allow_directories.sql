-- grain: one analyst session: the only folders its SQL may read files from (the home), as a bound list
SET allowed_directories = ?;
