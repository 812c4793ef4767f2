-- grain: one row per table or view of this database's main schema (internal and temporary ones left out), by name
SELECT table_name AS name, 'table' AS kind, comment FROM duckdb_tables()
WHERE NOT internal AND NOT temporary AND schema_name = 'main' AND database_name = current_database()
UNION ALL
SELECT view_name, 'view', comment FROM duckdb_views()
WHERE NOT internal AND NOT temporary AND schema_name = 'main' AND database_name = current_database()
ORDER BY 1;
