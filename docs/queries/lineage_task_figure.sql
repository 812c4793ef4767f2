-- 数字溯源（任务进展）：一个数从 task_progress 追到文件、工作表、行和列 / lineage of a task-progress figure to its file and cell
-- 参数 params：task_id 任务编号、bureau 报送单位、period 报送期、field 字段名（如 completion_pct；设为 NULL 列出该行全部字段）
-- 单元格 = Excel 列字母（submission_columns）+ Excel 行号。stored_path 为归档后的文件位置。
WITH params AS (
    SELECT 'T3-1' AS task_id, '人民银行' AS bureau, '2022Q3' AS period, 'bank_events' AS field
),
row_of AS (
    SELECT task_id, bureau, period, submission_id, sheet, excel_row,
           COLUMNS(* EXCLUDE (task_id, bureau, period, submission_id, sheet, excel_row))::VARCHAR
    FROM task_progress
    WHERE task_id = (SELECT task_id FROM params) AND bureau = (SELECT bureau FROM params)
      AND period = (SELECT period FROM params)
),
cells AS (
    UNPIVOT row_of ON COLUMNS(* EXCLUDE (task_id, bureau, period, submission_id, sheet, excel_row))
    INTO NAME field VALUE value
)
SELECT c.task_id       AS 任务编号,
       c.bureau        AS 报送单位,
       c.period        AS 报送期,
       c.field         AS 字段,
       col.comment     AS 列说明,
       c.value         AS 数值,
       s.file_name     AS 原文件名,
       s.stored_path   AS 文件位置,
       c.sheet         AS 工作表,
       c.excel_row     AS Excel行号,
       sc.excel_col || c.excel_row AS 单元格,
       sc.header       AS 表头原文,
       c.submission_id AS 报送编号,
       s.received_at   AS 收到时间
FROM cells c
JOIN submissions s USING (submission_id)
LEFT JOIN submission_columns sc ON sc.submission_id = c.submission_id AND sc.sheet = c.sheet AND sc.field = c.field
LEFT JOIN duckdb_columns() col ON col.table_name = 'task_progress' AND col.column_name = c.field
WHERE (SELECT field FROM params) IS NULL OR c.field = (SELECT field FROM params)
ORDER BY col.column_index;
