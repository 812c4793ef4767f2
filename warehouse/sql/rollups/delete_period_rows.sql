-- grain: every row of one period in one rollup table ({table} is one of schemas.sections.TABLES)
DELETE FROM {table} WHERE period = $period;
