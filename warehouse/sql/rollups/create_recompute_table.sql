-- grain: DDL only; the small meta tables that say which layout the derived tables of a home have
-- schema_versions: one row per component whose DDL is applied once per version ('rollups': create_rollup_tables.sql,
-- version warehouse/rollups.py SCHEMA_VERSION). rollup_recompute: one row per period whose rollup rows were dropped
-- when the rollup tables changed layout; a period leaves it when a rollup computes it again.
CREATE TABLE IF NOT EXISTS schema_versions (
    component   VARCHAR PRIMARY KEY,
    version     INTEGER NOT NULL,
    applied_at  TIMESTAMP NOT NULL,
    ddl_sha256  VARCHAR
);

CREATE TABLE IF NOT EXISTS rollup_recompute (
    period        VARCHAR PRIMARY KEY,
    kind          VARCHAR NOT NULL,
    from_version  INTEGER,
    to_version    INTEGER NOT NULL,
    noted_at      TIMESTAMP NOT NULL
);
