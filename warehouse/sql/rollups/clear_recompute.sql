-- grain: one row per period: the period a rollup has just computed again leaves the recompute list
DELETE FROM rollup_recompute WHERE period = $period;
