-- grain: one row per (submission, sheet, field) of a batch: which Excel column and header held the field.
-- $1, $2, $3, $4, $5 = the submission ids, sheets, fields, Excel columns and headers, as parallel lists.
INSERT INTO submission_columns (submission_id, sheet, field, excel_col, header)
SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5);
