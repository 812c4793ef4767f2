-- grain: one row per reward category of the plan (二、（一）（二）（四）) per period, whether srdi computes it or not
-- From the registered frame `rollup_reward_catalogue` (rollup_config.toml: [rewards] categories, rules and
-- not_computed): every pack and dashboard names the rewards srdi does not compute, with their clause and why, so
-- the ledger is never read as all the city owes.
SELECT $period AS period, category, name, clause, amount, policy_text, computed, note, sort_order
FROM rollup_reward_catalogue
ORDER BY sort_order;
