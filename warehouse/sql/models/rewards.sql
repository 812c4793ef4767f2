-- grain: one row per enterprise per reward category (srdi | tech_center) per level: first recognitions paid (or not paid again, or not paid because they predate the plan) in the ledger of the year $year up to the period end, every recognition still waiting for evidence (待核实), and every amount the previous dispatch's ledger showed that this one withdraws
-- The one-time rewards of 二、（一）（二）: "对首次被认定为吉林市级、省级…分别给予一次性5万元、10万元奖励…（被重复认定的企业只享受
-- 一次高级别奖励）" and "对新认定的省级企业技术中心、国家级企业技术中心…分别给予10万元、20万元…的一次性奖励".
-- A recognition (recognitions_through, create_macros.sql) is paid only when its evidence dates it on or after the
-- plan's issue date ($plan_issued): a year written for the level, or a rise seen between two observations. One
-- whose evidence dates it before is not paid; one with no evidence, or evidence that cannot tell, is 待核实: amount
-- 0, and `evidence_needed` says what would settle it. A paid recognition belongs to the year it was recognised,
-- or the year it was first reported when a bureau reported it late (补报). One dated before the plan is listed in the
-- ledger of that year as not paid (predates), naming the clause; Annex 1's own levels are the state the plan found
-- and are not listed.
-- Kind of pack (issue 19): an amount of a 季调度 or 半年例会 ledger is provisional (预计, 以年度总结为准); only the
-- 年度总结 ($kind = 'annual') says accrued (应兑现). Each ledger is compared with the ledger of the same year as of
-- the end of $ledger_compare_quarter (what the previous 季调度 showed: the quarter before the period's last, in the
-- same year; '' when there is none): a row that showed an amount then and now shows another status or amount says
-- so (previous_status, previous_amount_yuan, change_note), and an amount that disappeared is a row of its own
-- (withdrawn, amount 0).
-- Rules and amounts: the registered frame `rollup_reward_rules` (kind, level, rule_id, amount_yuan, rule_text,
-- repeat_mode). Whatever the repeat_mode, one enterprise is paid at most once per category per year: the highest
-- level recognised that year. Across years (docs/rollups.md):
--   full          each year's recognition is paid in full;
--   top_up        each year's recognition pays its amount minus the highest amount of earlier years (never below 0);
--   highest_only  only the first rewarded year pays.
WITH read_both_ledgers AS (
    SELECT 'now' AS ledger, * FROM rollup_recognitions
    UNION ALL BY NAME
    SELECT 'before' AS ledger, *
    FROM recognitions_through(CAST($ledger_compare_quarter AS VARCHAR), issued := CAST($plan_issued AS DATE))
    WHERE CAST($ledger_compare_quarter AS VARCHAR) <> ''
),
read_recognitions AS (
    SELECT r.*, rr.rule_id, rr.amount_yuan, rr.rule_text, rr.repeat_mode,
           CASE WHEN r.earliest > r.latest THEN 'pending'
                WHEN r.latest < CAST($plan_issued AS DATE) THEN 'predates'
                WHEN r.earliest >= CAST($plan_issued AS DATE) THEN 'payable'
                ELSE 'pending' END AS evidence_status,
           greatest(r.recognised_year, year(r.first_seen_on)) AS pay_year
    FROM read_both_ledgers r
    JOIN rollup_reward_rules rr USING (kind, level)
),
keep_payable AS (
    SELECT *,
           row_number() OVER (PARTITION BY ledger, enterprise_name, kind, pay_year
                              ORDER BY amount_yuan DESC, level_rank DESC) AS rank_in_year
    FROM read_recognitions
    WHERE evidence_status = 'payable' AND pay_year <= $year
),
pay_each_year AS (
    SELECT ledger, enterprise_name, kind, pay_year, amount_yuan AS year_amount, repeat_mode,
           min(pay_year) OVER by_year AS first_rewarded_year,
           max(amount_yuan) OVER (by_year ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_max
    FROM keep_payable
    WHERE rank_in_year = 1
    WINDOW by_year AS (PARTITION BY ledger, enterprise_name, kind ORDER BY pay_year)
),
compute_paid AS (
    SELECT *,
           CASE repeat_mode
               WHEN 'full' THEN year_amount
               WHEN 'top_up' THEN greatest(year_amount - coalesce(earlier_max, 0), 0)
               WHEN 'highest_only' THEN CASE WHEN pay_year = first_rewarded_year THEN year_amount ELSE 0 END
           END AS paid
    FROM pay_each_year
),
sum_earlier_years AS (
    SELECT *,
           coalesce(sum(paid) OVER (PARTITION BY ledger, enterprise_name, kind ORDER BY pay_year
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS previously_paid
    FROM compute_paid
),
list_ledger AS (
    SELECT k.*, CASE WHEN k.rank_in_year = 1 THEN y.paid ELSE 0 END AS amount,
           CAST(y.previously_paid AS BIGINT) AS previously_paid
    FROM keep_payable k
    JOIN sum_earlier_years y USING (ledger, enterprise_name, kind, pay_year)
    WHERE k.pay_year = $year
),
list_predating AS (   -- dated before the plan: listed once, in the ledger of the year it was recognised or reported
    SELECT *, NULL::BIGINT AS rank_in_year, 0 AS amount, NULL::BIGINT AS previously_paid
    FROM read_recognitions
    WHERE evidence_status = 'predates' AND NOT baseline AND pay_year = $year
),
list_pending AS (
    SELECT *, NULL::BIGINT AS rank_in_year, 0 AS amount, NULL::BIGINT AS previously_paid
    FROM read_recognitions
    WHERE evidence_status = 'pending'
),
describe_rewards AS (
    SELECT *,
           CASE WHEN kind = 'srdi' AND level = '吉林市级' THEN '吉林市级“专精特新”中小企业'
                WHEN kind = 'srdi' AND level = '吉林省级' THEN '省级“专精特新”中小企业'
                WHEN kind = 'srdi' AND level = '国家级' THEN '国家级“专精特新”小巨人企业'
                WHEN kind = 'tech_center' AND level = '吉林省级' THEN '省级企业技术中心'
                WHEN kind = 'tech_center' AND level = '国家级' THEN '国家级企业技术中心'
                ELSE level END AS level_name,
           CASE WHEN evidence_status = 'pending' THEN 'pending' WHEN evidence_status = 'predates' THEN 'predates'
                WHEN amount > 0 AND $kind = 'annual' AND ledger = 'now' THEN 'accrued'
                WHEN amount > 0 THEN 'provisional'   -- the previous ledger is a 季调度's: provisional
                ELSE 'no_repeat' END AS status,
           CASE kind WHEN 'srdi' THEN '二、（一）' ELSE '二、（二）' END AS clause,
           printf('%d年%d月%d日', year(CAST($plan_issued AS DATE)), month(CAST($plan_issued AS DATE)),
                  day(CAST($plan_issued AS DATE))) AS issued_text
    FROM (SELECT * FROM list_ledger UNION ALL BY NAME SELECT * FROM list_pending
          UNION ALL BY NAME SELECT * FROM list_predating)
),
list_previous_amounts AS (
    SELECT * FROM describe_rewards WHERE ledger = 'before' AND amount > 0
),
pair_with_previous AS (   -- this ledger's rows beside the amounts the previous dispatch's ledger showed
    SELECT n.*, b.status AS previous_status, b.amount AS previous_amount, FALSE AS withdrawn
    FROM (SELECT * FROM describe_rewards WHERE ledger = 'now') n
    LEFT JOIN list_previous_amounts b
           ON b.enterprise_name = n.enterprise_name AND b.kind = n.kind AND b.level = n.level
    UNION ALL BY NAME
    SELECT b.* REPLACE ('withdrawn' AS status, 0 AS amount), b.status AS previous_status, b.amount AS previous_amount,
           TRUE AS withdrawn
    FROM list_previous_amounts b
    WHERE NOT EXISTS (SELECT 1 FROM describe_rewards n
                      WHERE n.ledger = 'now' AND n.enterprise_name = b.enterprise_name AND n.kind = b.kind
                        AND n.level = b.level)
),
describe_changes AS (
    SELECT *,
           CASE WHEN previous_amount IS NULL THEN NULL
                WHEN status IN ('accrued', 'provisional') AND amount = previous_amount THEN NULL
                ELSE printf('较%s：%s %d元预计 → %s', $ledger_compare_label, level_name, previous_amount,
                            CASE status WHEN 'withdrawn' THEN '撤销（报送已不再显示该认定）'
                                        WHEN 'accrued' THEN printf('%d元', amount)
                                        WHEN 'provisional' THEN printf('%d元', amount)
                                        WHEN 'no_repeat' THEN '不重复奖励'
                                        WHEN 'predates' THEN '不予奖励（认定早于方案印发日）'
                                        ELSE '待核实' END)
           END AS change_note
    FROM pair_with_previous
),
explain_changes AS (   -- a change names what replaced it: the amount now due for the same enterprise and category
    SELECT c.* REPLACE (
               CASE WHEN c.change_note IS NOT NULL AND c.status IN ('no_repeat', 'withdrawn', 'pending', 'predates')
                         AND r.level_name IS NOT NULL
                    THEN c.change_note || printf('，改为%s %d元', r.level_name, r.amount)
                    ELSE c.change_note END AS change_note)
    FROM describe_changes c
    LEFT JOIN (SELECT enterprise_name, kind, level, level_name, amount FROM describe_changes
               WHERE status IN ('accrued', 'provisional')
               QUALIFY row_number() OVER (PARTITION BY enterprise_name, kind ORDER BY amount DESC) = 1) r
           ON r.enterprise_name = c.enterprise_name AND r.kind = c.kind AND r.level <> c.level
),
read_remarks AS (   -- enterprise_name: the identity's current name (enterprise_names), as the recognitions say it
    SELECT r.submission_id, r.excel_row, n.current_name AS enterprise_name, any_value(nullif(trim(r.remarks), '')) AS remarks
    FROM enterprise_reports r
    JOIN enterprise_names n ON n.enterprise_name = r.enterprise_name
    GROUP BY ALL
)
SELECT $period AS period, $year AS year, d.enterprise_name, d.kind AS category, d.level, d.status,
       d.recognised_year,
       CASE d.status
           WHEN 'pending' THEN printf('待核实：%s（%s）', d.level_name, d.evidence)
           WHEN 'predates' THEN printf('方案印发前认定，不予奖励（%s）：%s，早于方案印发日%s', d.clause, d.evidence,
                                       d.issued_text)
           WHEN 'withdrawn' THEN printf('%d年首次认定为%s（据此前报送），现有报送已不再显示该认定，不予奖励',
                                        d.recognised_year, d.level_name)
           ELSE printf('%d年首次认定为%s', d.recognised_year, d.level_name) ||
                CASE WHEN d.recognised_year < d.pay_year THEN printf('（%d年补报）', d.pay_year) ELSE '' END ||
                CASE WHEN d.amount = d.amount_yuan THEN ''
                     WHEN d.amount > 0 THEN printf('；此前已奖励%d元，按“只享受一次高级别奖励”补差', d.previously_paid)
                     WHEN d.rank_in_year > 1 THEN '；同年已认定更高级别，同一年度只奖励一次（按高级别）'
                     WHEN d.repeat_mode = 'highest_only' THEN '；此前已享受奖励，只享受一次奖励'
                     ELSE printf('；此前已奖励%d元，不低于本级别奖励', d.previously_paid) END
       END AS reason,
       d.evidence,
       CASE WHEN d.status = 'pending' THEN
           CASE WHEN d.earliest > d.latest
                     THEN printf('注明的认定年份（%d年）与附件1不一致：请提供认定文件，核实认定日期与级别', d.stated_year)
                WHEN d.earliest IS NULL
                     THEN printf('请提供%s认定文件，核实认定日期，并在报送表中写明认定年份（%s）后重新报送', d.level_name,
                                 CASE d.kind WHEN 'srdi' THEN '如“2023年已认定吉林省级”，或认定年份栏'
                                             ELSE '技术中心认定年份栏' END)
                ELSE printf('现有依据只能确定认定时间在%s至%s之间，无法判断是否在方案印发日（%s）之后：请提供认定文件核实认定日期，'
                            || '并在认定级别或认定年份栏写明认定月份（如“%d年5月认定%s”）',
                            strftime(d.earliest, '%Y-%m-%d'), strftime(d.latest, '%Y-%m-%d'), d.issued_text,
                            year(d.earliest), d.level)
           END || printf('。%s后首次认定的，按规定奖励%d元', d.issued_text, d.amount_yuan)
           || coalesce(printf('（报送备注：%s）', m.remarks), '')
       END AS evidence_needed,
       d.amount AS amount_yuan, d.amount_yuan AS full_amount_yuan, d.previously_paid AS previously_paid_yuan,
       d.rule_id || '：' || d.rule_text AS rule, d.repeat_mode AS repeat_recognition,
       CASE WHEN d.baseline THEN '附件1（种子企业库）：' || coalesce(d.level_text, d.level)
            ELSE printf('%s %s 第%d号报送（%s 第%d行）：%s“%s”', d.first_period, d.bureau, d.submission_id, d.sheet,
                        d.excel_row, CASE d.kind WHEN 'srdi' THEN '认定级别' ELSE '技术中心' END,
                        coalesce(d.level_text, d.level)) END AS source,
       d.first_period AS trigger_period, d.submission_id, d.bureau, d.excel_row, d.level_text, m.remarks,
       d.previous_status, CAST(d.previous_amount AS BIGINT) AS previous_amount_yuan, d.change_note
FROM explain_changes d
LEFT JOIN read_remarks m
       ON m.submission_id = d.submission_id AND m.excel_row = d.excel_row AND m.enterprise_name = d.enterprise_name
ORDER BY CASE d.status WHEN 'accrued' THEN 0 WHEN 'provisional' THEN 0 WHEN 'no_repeat' THEN 1 WHEN 'withdrawn' THEN 2
                       WHEN 'predates' THEN 3 ELSE 4 END, d.kind, d.amount DESC,
         d.enterprise_name, d.level;
