-- grain: DDL only; schema_versions: one row per component whose DDL srdi applies once per version, not on every run
-- ('warehouse': warehouse/sql/schema/*.sql, applied by warehouse.connection.apply_schema; 'rollups':
-- create_rollup_tables.sql at warehouse/rollups.py SCHEMA_VERSION). ddl_sha256 is the digest of the DDL last applied:
-- a database whose digest differs from srdi's own files gets the DDL again, once.
CREATE TABLE IF NOT EXISTS schema_versions (
    component   VARCHAR PRIMARY KEY,
    version     INTEGER NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL,
    ddl_sha256  VARCHAR
);
