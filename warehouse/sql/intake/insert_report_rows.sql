-- grain: one row per Excel row of one submission in {table} (enterprise_reports or task_reports).
-- Expects the view `_rows` (that submission's typed rows, with submission_id, period, bureau, sheet, excel_row).
INSERT INTO {table} BY NAME SELECT * FROM _rows;
