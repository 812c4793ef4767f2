-- grain: one row per rolled-up period: its ladder_counts 合计 row (breakdown all), the ladder at the period's end
SELECT l.period, l.seed_count, l.city_count, l.province_count, l.national_count, l.total_count, l.stopped_count
FROM ladder_counts AS l
JOIN rollup_runs AS r USING (period)
WHERE l.breakdown = 'all'
ORDER BY l.period;
