-- grain: one row: whether the macro a template's prefill reads exists (0 on a database with no schema yet).
SELECT count(*) FROM duckdb_functions() WHERE function_name = 'enterprise_state_as_of' AND NOT internal;
