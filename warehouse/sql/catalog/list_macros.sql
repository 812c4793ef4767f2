-- grain: one row per macro (scalar or table) of this database's main schema and parameter count
SELECT function_name, parameters, comment FROM duckdb_functions()
WHERE NOT internal AND schema_name = 'main' AND database_name = current_database()
  AND function_type IN ('macro', 'table_macro')
ORDER BY function_name, len(parameters);
