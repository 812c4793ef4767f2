-- grain: the rows a rollup computed for one period of one table, from the registered frame `_rollup_rows`
INSERT INTO {table} BY NAME SELECT * FROM _rollup_rows;
