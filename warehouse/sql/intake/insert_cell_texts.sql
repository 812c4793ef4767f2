-- grain: one row per non-empty fact cell of one loaded submission: what the clerk typed, beside what srdi read.
-- Expects the view `_cells` (sheet, excel_row, field, raw_text, understood_as); $1 = submission_id.
INSERT INTO cell_texts (submission_id, sheet, excel_row, field, raw_text, understood_as)
SELECT $1, sheet, excel_row, field, raw_text, understood_as FROM _cells;
