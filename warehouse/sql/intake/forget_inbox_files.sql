-- grain: one row per inbox entry that left the inbox (filed away); $1 = their path keys. A new file dropped under
-- the same name later is a new arrival.
DELETE FROM inbox_files WHERE path_key IN (SELECT unnest($1));
