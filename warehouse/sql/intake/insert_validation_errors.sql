-- grain: one row per finding of one submission, at its cell.
-- Expects the view `_findings` (that submission's findings, with submission_id).
INSERT INTO validation_errors BY NAME SELECT * FROM _findings;
