-- grain: DDL only; the identity views read once per rollup run (#23). Every section reads enterprise_history,
-- enterprise_names, enterprise_registry_identities or enterprise_baseline_identities (create_staged_views.sql), most
-- through the macros (enterprise_state_as_of, recognitions_through), and DuckDB computes a view each time a
-- statement names it: the identity resolution ran about ten times a rollup. Each is copied here, under its own name,
-- as a temporary table of this connection, which DuckDB reads before the view of the same name (the temporary
-- catalog comes first on the search path, inside view and macro bodies too): one computation, and every section
-- of the run reads the same snapshot. Read inside the rollup's transaction, so the copies equal the views; dropped
-- at the end of the run (drop_staged_identities.sql), or by the transaction's rollback.
CREATE TEMP TABLE enterprise_names AS SELECT * FROM main.enterprise_names;
CREATE TEMP TABLE enterprise_registry_identities AS SELECT * FROM main.enterprise_registry_identities;
CREATE TEMP TABLE enterprise_baseline_identities AS SELECT * FROM main.enterprise_baseline_identities;
CREATE TEMP TABLE enterprise_history AS SELECT * FROM main.enterprise_history;
