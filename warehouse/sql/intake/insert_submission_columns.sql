-- grain: one row per (submission, sheet, field): which Excel column and header held the field.
-- $1 = submission_id; $2, $3, $4, $5 = the sheets, fields, Excel columns and headers, as parallel lists.
INSERT INTO submission_columns (submission_id, sheet, field, excel_col, header)
SELECT $1, unnest($2), unnest($3), unnest($4), unnest($5);
