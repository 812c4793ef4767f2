-- 数字溯源（任务进展）：一个数从 task_progress 追到文件、工作表、单元格，以及填报人在单元格里填写的原文 / lineage of a task-progress figure to its file, cell and the text typed there
-- 参数 params：srdi query --saved lineage_task_figure --param task_id=T3-1 --param bureau=人民银行 --param period=2022Q3 --param field=bank_events
--   $task_id  任务编号（如 T3-1）
--   $bureau  报送单位（单位简称）
--   $period  报送期（如 2022Q3）
--   $field?  字段名（如 completion_pct；不给时列出该行全部字段）
-- 单元格 = Excel 列字母（submission_columns）+ Excel 行号；填写原文来自 cell_texts（如 80%、1,200、完成），
-- 理解为 = 改变字面含义的理解（如 完成→已完成、0.85→85%）。报送情况“未报送”表示该工作表没有这一列。
-- stored_path 为归档后的文件位置。
WITH params AS (
    SELECT CAST($task_id AS VARCHAR) AS task_id, CAST($bureau AS VARCHAR) AS bureau, CAST($period AS VARCHAR) AS period,
           CAST($field AS VARCHAR) AS field
),
row_of AS (
    SELECT task_id, bureau, period, submission_id, sheet, excel_row, not_reported,
           COLUMNS(* EXCLUDE (task_id, bureau, period, submission_id, sheet, excel_row, not_reported))::VARCHAR
    FROM task_progress
    WHERE task_id = (SELECT task_id FROM params) AND bureau = (SELECT bureau FROM params)
      AND period = (SELECT period FROM params)
),
cells AS (   -- every field of the row, the empty ones too
    FROM row_of UNPIVOT INCLUDE NULLS (value FOR field IN (COLUMNS(* EXCLUDE (task_id, bureau, period, submission_id, sheet, excel_row, not_reported))))
)
SELECT c.task_id       AS 任务编号,
       c.bureau        AS 报送单位,
       c.period        AS 报送期,
       c.field         AS 字段,
       col.comment     AS 列说明,
       c.value         AS 数值,
       t.raw_text      AS 填写原文,
       t.understood_as AS 理解为,
       CASE WHEN list_contains(c.not_reported, c.field) THEN '未报送（表中无此列）'
            WHEN c.value IS NULL THEN '空白' ELSE '已填写' END AS 报送情况,
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
LEFT JOIN cell_texts t ON t.submission_id = c.submission_id AND t.sheet = c.sheet AND t.excel_row = c.excel_row
                      AND t.field = c.field
LEFT JOIN duckdb_columns() col ON col.table_name = 'task_progress' AND col.column_name = c.field
WHERE (SELECT field FROM params) IS NULL OR c.field = (SELECT field FROM params)
ORDER BY col.column_index;
