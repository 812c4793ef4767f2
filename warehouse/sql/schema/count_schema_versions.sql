-- grain: one row: whether this database has the schema_versions table yet (1) or not (0)
SELECT count(*) FROM duckdb_tables()
WHERE table_name = 'schema_versions' AND schema_name = 'main' AND database_name = current_database();
