-- grain: one row per enterprise-count target of ref_targets per enterprise considered for it, counted or shown apart, per period
-- 一、（三）: "十四五期间，确定…种子企业20户，培育吉林市级…10户以上，省级…6户以上，力争晋升国家级…1户以上。2022年培育吉林市级…
-- 3户以上，吉林省级…2户以上", and "到2025年底…上市…力争达到1户以上". Each enterprise a target counts is listed, and
-- each one it does not count is listed apart with why (status):
--   counted        it reached the level within the target's window (十四五 2021–2025 from window_start; year:YYYY that
--                  year): the recognition's evidence (recognitions_through) dates it in the window;
--   before_window  its evidence dates the recognition before the window (e.g. recognised before 2021);
--   unverified     nothing dates it (entered already at the level, no year written) or the evidence cannot tell;
--   excluded       its operating status is one of $cultivated_excluded_statuses (注销: a deregistered enterprise
--                  holds no recognition) — seeds use $seed_excluded_statuses.
-- Reaching a level counts an enterprise for that level's target and, when it skipped a level (吉林省级 without ever
-- being seen at 吉林市级), for the lower ones too, when that target's switch says so (rollup_target_windows
-- .counts_higher_levels: rollup_config.toml [targets] total_counts_higher_levels for the 十四五 targets,
-- year_counts_higher_levels for the 2022 targets, counts_higher_levels per target); otherwise a target counts only
-- the enterprises recognised at exactly its level. Seeds are the enterprises in the library at the
-- period end (all entered with the plan, 2022, or later); listed enterprises the stock at the period end.
WITH read_targets AS (
    SELECT t.target_id, t.metric, w.window_start, w.counts_higher_levels,
           CASE WHEN starts_with(t.scope, 'year:') THEN CAST(substr(t.scope, 6) AS INTEGER) END AS scope_year,
           CASE t.metric WHEN 'city_level_or_above' THEN 1 WHEN 'province_level_or_above' THEN 2
                         WHEN 'national_level' THEN 3 WHEN 'city_recognised_in_year' THEN 1
                         WHEN 'province_recognised_in_year' THEN 2 END AS threshold
    FROM ref_targets t
    JOIN rollup_target_windows w USING (target_id)
),
read_state AS (
    SELECT * FROM rollup_state
),
read_recognitions AS (
    SELECT * FROM rollup_recognitions
    WHERE kind = 'srdi'
),
reach_at_least AS (
    SELECT r.*, t.threshold
    FROM read_recognitions r
    CROSS JOIN (SELECT unnest([1, 2, 3]) AS threshold) t
    WHERE r.level_rank >= t.threshold
    QUALIFY row_number() OVER (PARTITION BY r.enterprise_name, t.threshold ORDER BY r.first_seen_on, r.level_rank) = 1
),
pick_reached AS (
    SELECT t.target_id, t.window_start, t.scope_year, r.*
    FROM read_targets t
    JOIN reach_at_least r ON r.threshold = t.threshold
    WHERE t.threshold IS NOT NULL AND t.counts_higher_levels
    UNION ALL BY NAME
    SELECT t.target_id, t.window_start, t.scope_year, r.*
    FROM read_targets t
    JOIN read_recognitions r ON r.level_rank = t.threshold
    WHERE t.threshold IS NOT NULL AND NOT t.counts_higher_levels
),
judge_levels AS (
    SELECT p.target_id, p.enterprise_name, p.level AS reached_level, p.recognised_year, p.evidence,
           p.first_period AS trigger_period, p.submission_id, s.srdi_level AS current_level, s.operating_status,
           s.service_team,
           CASE WHEN list_contains(CAST($cultivated_excluded_statuses AS VARCHAR[]), coalesce(s.operating_status, ''))
                     THEN 'excluded'
                WHEN p.earliest > p.latest THEN 'unverified'
                WHEN p.scope_year IS NULL AND p.latest < make_date(p.window_start, 1, 1) THEN 'before_window'
                WHEN p.earliest IS NOT NULL AND (p.scope_year IS NOT NULL OR p.earliest >= make_date(p.window_start, 1, 1))
                     THEN 'counted'
                ELSE 'unverified' END AS status
    FROM pick_reached p
    JOIN read_state s USING (enterprise_name)
    WHERE p.scope_year IS NULL OR p.recognised_year = p.scope_year
),
judge_seeds AS (
    SELECT t.target_id, s.enterprise_name, NULL::VARCHAR AS reached_level,
           coalesce(year(quarter_end(s.entered_period)), year(CAST($plan_issued AS DATE))) AS recognised_year,
           CASE WHEN s.entered_period IS NULL THEN '附件1（方案印发时入库）' ELSE s.entered_period || '报送入库' END AS evidence,
           NULL::VARCHAR AS trigger_period, NULL::INTEGER AS submission_id, s.srdi_level AS current_level,
           s.operating_status, s.service_team,
           CASE WHEN list_contains(CAST($seed_excluded_statuses AS VARCHAR[]), coalesce(s.operating_status, ''))
                THEN 'excluded' ELSE 'counted' END AS status
    FROM read_targets t
    CROSS JOIN read_state s
    WHERE t.metric = 'seed_enterprises'
),
judge_listed AS (
    SELECT t.target_id, s.enterprise_name, NULL::VARCHAR AS reached_level, NULL::INTEGER AS recognised_year,
           '上市情况：' || s.listing_status AS evidence, s.report_period AS trigger_period, s.submission_id,
           s.srdi_level AS current_level, s.operating_status, s.service_team,
           CASE WHEN list_contains(CAST($cultivated_excluded_statuses AS VARCHAR[]), coalesce(s.operating_status, ''))
                THEN 'excluded' ELSE 'counted' END AS status
    FROM read_targets t
    CROSS JOIN read_state s
    WHERE t.metric = 'listed_enterprises' AND list_contains(CAST($listed_levels AS VARCHAR[]), s.srdi_level)
      AND coalesce(s.listing_status, '未上市') <> '未上市'
)
SELECT $period AS period, e.target_id, t.target, e.enterprise_name, e.status, e.current_level, e.reached_level,
       e.recognised_year, e.evidence, e.operating_status, e.service_team, e.trigger_period, e.submission_id
FROM (SELECT * FROM judge_levels UNION ALL BY NAME SELECT * FROM judge_seeds UNION ALL BY NAME SELECT * FROM judge_listed) e
JOIN ref_targets t USING (target_id)
ORDER BY t.target_id, CASE e.status WHEN 'counted' THEN 0 WHEN 'before_window' THEN 1 WHEN 'unverified' THEN 2 ELSE 3 END,
         e.enterprise_name;
