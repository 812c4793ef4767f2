-- 某单位的历次报送情况（催报记录）/ a bureau's compliance history
-- 参数 params：srdi query --saved bureau_history --param bureau=商务局
--   $bureau  单位简称（见 ref_bureaus.bureau）
-- 需要汇总结果表 compliance（srdi rollup 生成）。同一季度被多个汇总期（季、半年、年）计算时，取季度汇总那一次，否则取最近的汇总期。
WITH params AS (
    SELECT CAST($bureau AS VARCHAR) AS bureau
)
SELECT c.report_period  AS 应报季度,
       CASE c.form WHEN 'enterprise' THEN '种子企业库' WHEN 'task' THEN '任务进展' ELSE c.form END AS 表种,
       c.due_date       AS 截止日期,
       CASE c.status WHEN 'on_time' THEN '按时' WHEN 'late' THEN '逾期' WHEN 'missing' THEN '未报送'
                     WHEN 'rejected' THEN '被退回未重报' WHEN 'not_due' THEN '未到截止' ELSE c.status END AS 报送情况,
       c.days_late      AS 逾期天数,
       c.submission_id  AS 报送编号,
       s.file_name      AS 文件名,
       s.received_at    AS 收到时间,
       c.responsible_leader AS 责任领导,
       c.period         AS 所属汇总期
FROM compliance c
LEFT JOIN submissions s USING (submission_id)
WHERE c.bureau = (SELECT bureau FROM params)
QUALIFY row_number() OVER (PARTITION BY c.report_period, c.form
                           ORDER BY (c.period = c.report_period) DESC, c.period DESC) = 1
ORDER BY c.report_period, c.form;
