-- grain: one row per non-empty fact cell of a batch's loaded submissions (insert_cell_texts, for many at once).
-- Expects the view `_cells` (submission_id, sheet, excel_row, field, raw_text, understood_as).
INSERT INTO cell_texts (submission_id, sheet, excel_row, field, raw_text, understood_as)
SELECT submission_id, sheet, excel_row, field, raw_text, understood_as FROM _cells;
