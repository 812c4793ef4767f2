-- grain: one row per (file, form) of a batch loaded in one transaction (insert_submission, for many at once).
-- Expects the view `_subs` (the submissions' columns, each file's final status and superseded_by included).
INSERT INTO submissions BY NAME SELECT * FROM _subs;
