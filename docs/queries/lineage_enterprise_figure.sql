-- 数字溯源（企业库）：一个数从 enterprise_history 追到文件、工作表、行和列 / lineage of an enterprise figure to its file and cell
-- 参数 params：enterprise_name 企业名称、period 报送期、field 字段名（如 rd_expense；设为 NULL 列出该行全部字段）
-- 单元格 = Excel 列字母（submission_columns）+ Excel 行号。stored_path 为归档后的文件位置。
WITH params AS (
    SELECT '长白山制药股份有限公司' AS enterprise_name, '2022Q2' AS period, 'rd_expense' AS field
),
row_of AS (
    SELECT enterprise_name, period, submission_id, sheet, excel_row,
           COLUMNS(* EXCLUDE (enterprise_name, period, submission_id, sheet, excel_row))::VARCHAR
    FROM enterprise_history
    WHERE enterprise_name = (SELECT enterprise_name FROM params) AND period = (SELECT period FROM params)
),
cells AS (
    UNPIVOT row_of ON COLUMNS(* EXCLUDE (enterprise_name, period, submission_id, sheet, excel_row))
    INTO NAME field VALUE value
)
SELECT c.enterprise_name AS 企业名称,
       c.period          AS 报送期,
       c.field           AS 字段,
       col.comment       AS 列说明,
       c.value           AS 数值,
       s.bureau          AS 报送单位,
       s.file_name       AS 原文件名,
       s.stored_path     AS 文件位置,
       c.sheet           AS 工作表,
       c.excel_row       AS Excel行号,
       sc.excel_col || c.excel_row AS 单元格,
       sc.header         AS 表头原文,
       c.submission_id   AS 报送编号,
       s.received_at     AS 收到时间
FROM cells c
JOIN submissions s USING (submission_id)
LEFT JOIN submission_columns sc ON sc.submission_id = c.submission_id AND sc.sheet = c.sheet AND sc.field = c.field
LEFT JOIN duckdb_columns() col ON col.table_name = 'enterprise_history' AND col.column_name = c.field
WHERE (SELECT field FROM params) IS NULL OR c.field = (SELECT field FROM params)
ORDER BY col.column_index;
