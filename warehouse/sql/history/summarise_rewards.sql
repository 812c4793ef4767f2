-- grain: one row per rolled-up period: its rewards ledger (the ledger of the period's year up to its end) counted by status, the amounts due summed
-- Due amounts are the accrued (年度总结: 应兑现) and provisional (季调度, 半年例会: 预计，以年度总结为准) rows, as the ledger says.
SELECT r.period,
       r.kind,
       count(w.status) FILTER (WHERE w.status = 'accrued')                                  AS accrued_count,
       CAST(coalesce(sum(w.amount_yuan) FILTER (WHERE w.status = 'accrued'), 0) AS BIGINT)  AS accrued_yuan,
       count(w.status) FILTER (WHERE w.status = 'provisional')                              AS provisional_count,
       CAST(coalesce(sum(w.amount_yuan) FILTER (WHERE w.status = 'provisional'), 0) AS BIGINT) AS provisional_yuan,
       CAST(coalesce(sum(w.amount_yuan) FILTER (WHERE w.status IN ('accrued', 'provisional')
                                             AND w.category = 'srdi'), 0) AS BIGINT)   AS srdi_yuan,
       CAST(coalesce(sum(w.amount_yuan) FILTER (WHERE w.status IN ('accrued', 'provisional')
                                             AND w.category = 'tech_center'), 0) AS BIGINT) AS tech_center_yuan,
       count(w.status) FILTER (WHERE w.status = 'pending')                                  AS pending_count,
       count(w.status) FILTER (WHERE w.status = 'no_repeat')                                AS no_repeat_count,
       count(w.status) FILTER (WHERE w.status = 'withdrawn')                                AS withdrawn_count,
       count(w.change_note)                                                                 AS changed_count
FROM rollup_runs AS r
LEFT JOIN rewards AS w USING (period)
GROUP BY r.period, r.kind
ORDER BY r.period;
