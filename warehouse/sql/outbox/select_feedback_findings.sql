-- grain: one row per finding of the batch's submissions ($ids), in sheet and cell order.
SELECT submission_id, severity, sheet, excel_row, excel_col, field, value, rule, message, fix
FROM validation_errors
WHERE submission_id IN (SELECT unnest($ids))
ORDER BY submission_id, sheet, excel_row, excel_col;
