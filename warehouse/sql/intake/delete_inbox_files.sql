-- grain: every row of inbox_files, emptied before a scan writes what it saw (in the same transaction).
DELETE FROM inbox_files;
