-- grain: one row per enterprise per reward category (srdi | tech_center) per level first recognised, in the ledger of the year it is paid ($year)
-- The one-time rewards of 二、（一）（二）, each traced to the accepted report (or Annex 1 row) that first showed the
-- recognition. A recognition is paid in the year it was recognised, or in the year it was first reported when a
-- bureau reported it late (a 2022 recognition first reported in 2023Q1 is in the 2023 ledger, marked 补报).
-- Rules and amounts come from the registered frame `rollup_reward_rules` (kind, level, rule_id, amount_yuan,
-- rule_text, repeat_mode); repeat_mode is the repeated-recognition option (docs/rollups.md):
--   full          every level's first recognition is paid in full;
--   top_up        the highest level of a year is paid, minus what earlier years already paid; lower levels get 0;
--   highest_only  only the highest level of the first rewarded year is paid; everything later gets 0.
-- Recognitions before $first_year (or with no known year) predate the plan and are never paid.
WITH read_recognitions AS (
    SELECT r.*, rr.rule_id, rr.amount_yuan, rr.rule_text, rr.repeat_mode,
           greatest(r.recognised_year, coalesce(CAST(left(r.first_period, 4) AS INTEGER), r.recognised_year)) AS pay_year
    FROM recognitions_through($last_quarter) r
    JOIN rollup_reward_rules rr USING (kind, level)
),
keep_rewardable AS (
    SELECT * FROM read_recognitions
    WHERE recognised_year IS NOT NULL AND recognised_year >= $first_year AND pay_year <= $year
),
rank_within_years AS (
    SELECT *,
           row_number() OVER (PARTITION BY enterprise_name, kind, pay_year
                              ORDER BY amount_yuan DESC, level_rank DESC) AS rank_in_year,
           min(pay_year) OVER (PARTITION BY enterprise_name, kind) AS first_rewarded_year
    FROM keep_rewardable
),
sum_earlier_years AS (
    SELECT r.*,
           coalesce((SELECT max(e.amount_yuan) FROM keep_rewardable e
                     WHERE e.enterprise_name = r.enterprise_name AND e.kind = r.kind
                       AND e.pay_year < r.pay_year), 0) AS earlier_max,
           coalesce((SELECT CAST(sum(e.amount_yuan) AS BIGINT) FROM keep_rewardable e
                     WHERE e.enterprise_name = r.enterprise_name AND e.kind = r.kind
                       AND e.pay_year < r.pay_year), 0) AS earlier_sum,
           coalesce((SELECT max(e.amount_yuan) FROM keep_rewardable e
                     WHERE e.enterprise_name = r.enterprise_name AND e.kind = r.kind
                       AND e.pay_year = r.first_rewarded_year
                       AND e.pay_year < r.pay_year), 0) AS first_year_max
    FROM rank_within_years r
),
compute_amounts AS (
    SELECT *,
           CASE repeat_mode
               WHEN 'full' THEN amount_yuan
               WHEN 'top_up' THEN CASE WHEN rank_in_year = 1 THEN greatest(amount_yuan - earlier_max, 0) ELSE 0 END
               WHEN 'highest_only' THEN CASE WHEN rank_in_year = 1 AND pay_year = first_rewarded_year
                                             THEN amount_yuan ELSE 0 END
           END AS amount,
           CASE repeat_mode WHEN 'full' THEN earlier_sum WHEN 'top_up' THEN earlier_max ELSE first_year_max END AS previously_paid
    FROM sum_earlier_years
),
describe_rewards AS (
    SELECT *,
           CASE WHEN kind = 'srdi' AND level = '吉林市级' THEN '吉林市级“专精特新”中小企业'
                WHEN kind = 'srdi' AND level = '吉林省级' THEN '省级“专精特新”中小企业'
                WHEN kind = 'srdi' AND level = '国家级' THEN '国家级“专精特新”小巨人企业'
                WHEN kind = 'tech_center' AND level = '吉林省级' THEN '省级企业技术中心'
                WHEN kind = 'tech_center' AND level = '国家级' THEN '国家级企业技术中心'
                ELSE level END AS level_name
    FROM compute_amounts
)
SELECT $period AS period, pay_year AS year, enterprise_name, kind AS category, level,
       printf('%d年首次认定为%s', recognised_year, level_name) ||
       CASE WHEN recognised_year < pay_year THEN printf('（%d年补报）', pay_year) ELSE '' END ||
       CASE WHEN amount = amount_yuan THEN ''
            WHEN amount > 0 THEN printf('；此前已奖励%d元，按“只享受一次高级别奖励”补差', previously_paid)
            WHEN rank_in_year > 1 AND repeat_mode <> 'full' THEN '；同年已认定更高级别，只享受一次高级别奖励'
            WHEN repeat_mode = 'highest_only' THEN '；此前已享受奖励，只享受一次奖励'
            ELSE printf('；此前已奖励%d元，不低于本级别奖励', previously_paid) END AS reason,
       amount AS amount_yuan, amount_yuan AS full_amount_yuan, previously_paid AS previously_paid_yuan,
       rule_id || '：' || rule_text AS rule, repeat_mode AS repeat_recognition,
       CASE WHEN baseline THEN '附件1（种子企业库）：' || coalesce(level_text, level)
            ELSE printf('%s %s 第%d号报送（%s 第%d行）：%s“%s”', first_period, bureau, submission_id, sheet, excel_row,
                        CASE kind WHEN 'srdi' THEN '认定级别' ELSE '技术中心' END, coalesce(level_text, level)) END AS source,
       first_period AS trigger_period, submission_id, bureau, excel_row, level_text
FROM describe_rewards
WHERE pay_year = $year
ORDER BY category, amount_yuan DESC, enterprise_name, level;
