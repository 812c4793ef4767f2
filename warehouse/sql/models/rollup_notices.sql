-- grain: one row per notice this rollup gives the office per period: 责任领导未配置, periods to compute again, rules to update
-- Read by the pack's 概要, the dashboard and the flow's result (`notices`), so all three say the same. Leaders read
-- them: plain Chinese, no file paths, config syntax, table names or commands; what the operator does about a notice
-- (which file, which key, which command) is added by the CLI from its topic (tasks/rollup/summarise.py: ACTIONS).
--   leaders    the bureaus this period's 催报清单 lists without a responsible leader (rollup_compliance, this run's
--              rows);
--   recompute  periods whose rows a change of the rollup tables' layout dropped (rollup_recompute), this one aside,
--              named as people read them (2022年第三季度: schemas.periods.period_label);
--   config:N   what the rules should change (registered frame `rollup_config_notices`: notice).
WITH list_missing_leaders AS (
    SELECT DISTINCT bureau FROM rollup_compliance WHERE responsible_leader IS NULL
),
say_leaders AS (
    SELECT 'leaders' AS notice_id, 'leaders' AS topic,
           printf('责任领导未配置：%s（共%d个单位），催报清单的“责任领导”显示（未配置）。'
                  '请系统管理员在配置中填写后重新生成本期材料。',
                  string_agg(bureau, '、' ORDER BY bureau), count(*)) AS notice
    FROM list_missing_leaders
    HAVING count(*) > 0
),
say_recompute AS (
    SELECT 'recompute' AS notice_id, 'recompute' AS topic,
           printf('汇总表结构已升级（第%d版），以下报告期原有的汇总结果已清除，需要重新计算：%s。'
                  '请系统管理员重新生成这些报告期的材料。',
                  max(to_version),
                  string_agg(CASE WHEN period LIKE '%Q_' THEN left(period, 4) || '年第'
                                       || ['一', '二', '三', '四'][CAST(right(period, 1) AS INTEGER)] || '季度'
                                  WHEN period LIKE '%H_' THEN left(period, 4) || '年'
                                       || CASE right(period, 1) WHEN '1' THEN '上' ELSE '下' END || '半年'
                                  ELSE period || '年' END, '、' ORDER BY period)) AS notice
    FROM rollup_recompute
    WHERE period <> $period
    HAVING count(*) > 0
),
say_config AS (
    SELECT 'config:' || row_number() OVER () AS notice_id, 'config' AS topic, notice
    FROM rollup_config_notices
)
SELECT $period AS period, notice_id, topic, notice
FROM (SELECT * FROM say_leaders UNION ALL SELECT * FROM say_recompute UNION ALL SELECT * FROM say_config)
ORDER BY CASE topic WHEN 'recompute' THEN 0 WHEN 'leaders' THEN 1 ELSE 2 END, notice_id;
