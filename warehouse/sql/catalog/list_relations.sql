-- grain: one row per table or view of the main schema (internal ones left out)
SELECT table_name AS name, 'table' AS kind FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'
UNION ALL
SELECT view_name, 'view' FROM duckdb_views() WHERE NOT internal AND schema_name = 'main';
