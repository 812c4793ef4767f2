-- grain: as the table's: every row one rollup period left in one rollup table (what the pack showed)
SELECT * FROM query_table($table) WHERE period = $period;
