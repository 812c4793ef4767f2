-- grain: one row per submission ($ids) per form per sheet it loaded rows from, with the number of rows;
-- enterprise forms first, then each submission's sheets in the order they appear in the workbook.
SELECT form, submission_id, sheet, row_count
FROM (
    SELECT 'enterprise' AS form, submission_id, sheet, count(*) AS row_count, min(excel_row) AS first_row
    FROM enterprise_reports WHERE submission_id IN (SELECT unnest($ids)) GROUP BY ALL
    UNION ALL
    SELECT 'task' AS form, submission_id, sheet, count(*) AS row_count, min(excel_row) AS first_row
    FROM task_reports WHERE submission_id IN (SELECT unnest($ids)) GROUP BY ALL
)
ORDER BY form, submission_id, first_row, sheet;
