-- grain: one row per column of a base table of this database typed TIMESTAMP (naive): a warehouse written before
-- issue 19, whose instants were stored as the server's local wall-clock time. srdi's own DDL has none left.
SELECT c.table_name, c.column_name
FROM duckdb_columns() c
JOIN duckdb_tables() t
  ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
WHERE c.data_type = 'TIMESTAMP' AND c.schema_name = 'main' AND c.database_name = current_database()
  AND NOT t.temporary
ORDER BY c.table_name, c.column_index;
