-- grain: one row per notice this rollup gives the office per period: 责任领导未配置, periods to compute again, rules to update
-- Read by the pack's 概要, the dashboard and the flow's result (`notices`), so all three say the same.
--   leaders    the bureaus this period's 催报清单 lists without a responsible leader (rollup_compliance, this run's
--              rows): where to set them ($leaders_file, [leaders]);
--   recompute  periods whose rows a change of the rollup tables' layout dropped (rollup_recompute), this one aside;
--   config:N   what the rules file should change (registered frame `rollup_config_notices`: notice).
WITH list_missing_leaders AS (
    SELECT DISTINCT bureau FROM rollup_compliance WHERE responsible_leader IS NULL
),
say_leaders AS (
    SELECT 'leaders' AS notice_id, 'leaders' AS topic,
           printf('责任领导未配置：%s（共%d个单位），催报清单的“责任领导”显示（未配置）。请在 %s 的 [leaders] 中逐个设置，'
                  '如 "工信局" = "张三"（见 README“Responsible leaders”），再重新运行本期汇总。',
                  string_agg(bureau, '、' ORDER BY bureau), count(*), $leaders_file) AS notice
    FROM list_missing_leaders
    HAVING count(*) > 0
),
say_recompute AS (
    SELECT 'recompute' AS notice_id, 'recompute' AS topic,
           printf('汇总表结构已升级（第%d版），以下报告期原有的汇总结果已清除，需要重新计算：%s。'
                  '逐个运行 srdi rollup quarterly|midyear|annual --period <报告期>（或 srdi backfill）。',
                  max(to_version), string_agg(period, '、' ORDER BY period)) AS notice
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
