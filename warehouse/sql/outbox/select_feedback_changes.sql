-- grain: one row per change between each of the batch's submissions ($ids) and the accepted version it superseded
-- (submission_changes_of: the view submission_changes' one definition, computed for these submissions only, so the
-- receipt never disagrees with the warehouse): cells changed and rows added in the order of the new file (sheet, row, column), then the rows removed in the order of the old one.
SELECT new_submission_id, old_submission_id, form, change_kind, row_key, row_label, sheet, excel_row, excel_col,
       field, header, old_value, new_value
FROM submission_changes_of($ids::INTEGER[])
ORDER BY new_submission_id, change_kind = 'removed', sheet, excel_row, length(excel_col) NULLS FIRST, excel_col;
