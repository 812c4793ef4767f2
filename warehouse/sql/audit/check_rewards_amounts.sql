-- grain: one row per rewards ledger row (`audit_rewards`) whose amount does not add up: a payable row (accrued,
-- provisional) pays from 0 to its standard (full_amount_yuan, the rule's amount), any other row pays 0
SELECT concat_ws(' / ', enterprise_name, category, level, status) AS offending, amount_yuan AS n
FROM audit_rewards
WHERE CASE WHEN status IN ('accrued', 'provisional') THEN amount_yuan NOT BETWEEN 0 AND full_amount_yuan
           ELSE amount_yuan <> 0 END
ORDER BY offending
LIMIT 5;
